"""IPC ↔ industry concordances: GB/T 4754 (国际专利分类与国民经济行业分类参照关系表 2018), the patent-intensive
industries (2019), the strategic emerging industries and the plan's key industries.

Table layout (CSV in UTF-8 or GB18030, or the first sheet of an XLSX), one industry a row; the official
tables' Chinese headers are accepted as well as ours:

=====================  ==========================================  ==========================================
column                 also read as                                content
=====================  ==========================================  ==========================================
``industry_code``      行业代码, 代码, 分类代码, 国民经济行业代码    the industry's code (required)
``industry_name``      行业名称, 名称, 分类名称, 国民经济行业名称    Chinese name (required on a code's first row)
``industry_name_en``   英文名称                                    English name (optional)
``parent_code``        上级代码                                    parent's code (optional; otherwise the
                                                                   longest other code of the file that
                                                                   starts this one)
``ipc``                国际专利分类, 国际专利分类号, IPC分类号,    IPC prefixes separated by ``;`` ``,`` ``、``
                       对应国际专利分类, IPC                       or new lines (optional)
``gbt4754``            国民经济行业代码 (when 代码 is also given)   GB/T 4754 codes whose IPC prefixes the row
                                                                   takes over (patent-intensive table)
=====================  ==========================================  ==========================================

A row without a code continues the previous row (merged cells); a code given twice adds its IPC prefixes.
IPC prefixes: a section ``G``, class ``G06``, subclass ``G06N``, a whole main group ``G06N 3/``,
``G06N3``, ``G06N 3/00`` or ``G06N3/*``, or one subgroup ``G06F 17/30``. A symbol takes the industries of
the longest prefix that covers it.

The bundled files in ``data/industries/`` are a STARTER mapping curated for this platform, not the official
tables; `load_industries --official FILE --scheme KEY` replaces a scheme with the official table.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.db import transaction

from ipops.core import audit
from ipops.patents.normalize.ipc import IpcCode, IpcError, parse_ipc
from ipops.reference.models import IndustryClass, IndustryScheme, IpcConcordance

DEFAULT_SCHEME = "plan_key"
BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "industries"


def data_dir() -> Path:
    """Where ``schemes.json`` and the starter tables are (setting ``IPOPS_INDUSTRY_DATA_DIR`` overrides)."""
    configured = getattr(settings, "IPOPS_INDUSTRY_DATA_DIR", None)
    return Path(configured) if configured else BUNDLED_DIR


@dataclass(frozen=True)
class SchemeSpec:
    key: str
    name_zh: str
    name_en: str
    file: str | None
    source: str


def scheme_specs() -> dict[str, SchemeSpec]:
    """The schemes the platform knows, from ``schemes.json``."""
    raw = json.loads((data_dir() / "schemes.json").read_text(encoding="utf-8"))
    return {
        s["key"]: SchemeSpec(s["key"], s["name_zh"], s["name_en"], s.get("file"), s.get("source", ""))
        for s in raw["schemes"]
    }


# --- IPC prefixes --------------------------------------------------------------------------------------


class PrefixError(ValueError):
    """Text that is not an IPC prefix."""


_PREFIX_RE = re.compile(r"([A-H])(?:(\d{2})(?:([A-Z])(?:(\d{1,4})(?:/(\d*))?)?)?)?", re.ASCII)


def normalise_prefix(raw: str) -> str:
    """The canonical form of an IPC prefix: ``G``, ``G06``, ``G06N``, ``G06N 3/`` (whole main group) or
    ``G06F 17/30`` (one subgroup). Raises `PrefixError` for anything else."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw).upper()).rstrip("*")
    found = _PREFIX_RE.fullmatch(text)
    if not found:
        raise PrefixError(raw)
    section, klass, subclass, main, sub = found.groups()
    if not klass:
        return section
    if not subclass:
        return f"{section}{klass}"
    if not main:
        return f"{section}{klass}{subclass}"
    if not (sub or "").rstrip("0"):
        return f"{section}{klass}{subclass} {int(main)}/"
    if len(sub) < 2:
        raise PrefixError(raw)
    return parse_ipc(f"{section}{klass}{subclass} {main}/{sub}").code


def covering_prefixes(ipc: IpcCode) -> list[str]:
    """The prefixes that could cover `ipc`, longest (most specific) first."""
    candidates = [
        ipc.code if ipc.kind == "subgroup" else "",
        f"{ipc.subclass_code} {ipc.main_group}/" if ipc.main_group else "",
        ipc.subclass_code,
        ipc.class_code if ipc.klass else "",
        ipc.section,
    ]
    return [c for c in candidates if c]


# --- look-ups ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndustryRef:
    """An industry an IPC symbol belongs to."""

    scheme: str
    code: str
    name_zh: str
    name_en: str
    parent_code: str
    is_starter: bool

    def name(self, language: str) -> str:
        return self.name_zh if language.lower().startswith("zh") or not self.name_en else self.name_en


def concordance(scheme: str = DEFAULT_SCHEME) -> dict[str, list[IndustryRef]]:
    """The whole concordance of a scheme: prefix → industries (one query). Empty when not loaded."""
    by_prefix: dict[str, list[IndustryRef]] = {}
    rows = (
        IpcConcordance.objects.filter(scheme__key=scheme)
        .select_related("industry", "industry__parent", "scheme")
        .order_by("ipc_prefix", "industry__code")
    )
    for row in rows:
        industry = row.industry
        by_prefix.setdefault(row.ipc_prefix, []).append(
            IndustryRef(
                scheme=scheme,
                code=industry.code,
                name_zh=industry.name_zh,
                name_en=industry.name_en,
                parent_code=industry.parent.code if industry.parent else "",
                is_starter=row.scheme.is_starter,
            )
        )
    return by_prefix


def match(code: str, table: dict[str, list[IndustryRef]]) -> list[IndustryRef]:
    """The industries of the longest prefix in `table` covering `code` ([] when none or unreadable)."""
    try:
        ipc = parse_ipc(code, partial=True)
    except IpcError:
        return []
    for prefix in covering_prefixes(ipc):
        if prefix in table:
            return table[prefix]
    return []


def industries_for_ipc(codes: Iterable[str], scheme: str = DEFAULT_SCHEME) -> dict[str, list[IndustryRef]]:
    """The industries of each IPC symbol (any spelling `parse_ipc` reads), keyed by the code as given, by
    the longest prefix of `scheme`'s concordance that covers it. Every given code is a key; its list is
    empty when no prefix covers it or it cannot be read. One query, however many codes."""
    table = concordance(scheme)
    return {raw: list(match(raw, table)) for raw in dict.fromkeys(codes)}


INDUSTRY_TABLE_SCHEMA = pa.schema(
    [
        ("ipc", pa.string()),
        ("industry_code", pa.string()),
        ("industry_name_zh", pa.string()),
        ("industry_name_en", pa.string()),
    ]
)


def industry_table(codes: Iterable[str], scheme: str = DEFAULT_SCHEME) -> pa.Table:
    """Bulk variant for analytics: an Arrow table with one row per (IPC code as given, industry), to join
    with the snapshot's ``classifications`` view in DuckDB (``con.register("ipc_industry", table)``).
    Codes without an industry have no row."""
    table = concordance(scheme)
    columns: dict[str, list[str]] = {name: [] for name in INDUSTRY_TABLE_SCHEMA.names}
    for raw in dict.fromkeys(codes):
        for ref in match(raw, table):
            columns["ipc"].append(raw)
            columns["industry_code"].append(ref.code)
            columns["industry_name_zh"].append(ref.name_zh)
            columns["industry_name_en"].append(ref.name_en)
    return pa.table(columns, schema=INDUSTRY_TABLE_SCHEMA)


def scheme_classes(scheme: str) -> list[IndustryClass]:
    return list(IndustryClass.objects.filter(scheme__key=scheme).select_related("parent").order_by("code"))


# --- reading a table -----------------------------------------------------------------------------------


class IndustryLoadError(ValueError):
    """A table that cannot be loaded; `line` is the 1-based row (0 for the file as a whole)."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}, line {line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.message = str(path), line, message


@dataclass
class IndustryRow:
    line: int
    code: str
    name_zh: str = ""
    name_en: str = ""
    parent_code: str = ""
    ipc: list[str] = field(default_factory=list)
    gbt4754: list[str] = field(default_factory=list)


_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("industry_code", "行业代码", "代码", "分类代码"),
    "name_zh": ("industry_name", "行业名称", "名称", "分类名称"),
    "name_en": ("industry_name_en", "英文名称"),
    "parent_code": ("parent_code", "上级代码"),
    "ipc": ("ipc", "国际专利分类", "国际专利分类号", "ipc分类号", "对应国际专利分类"),
    "gbt4754": ("gbt4754",),
}
_NATIONAL_CODE, _NATIONAL_NAME = "国民经济行业代码", "国民经济行业名称"
_SPLIT_RE = re.compile(r"[;,、，；|\n]+")


def _header_key(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")


def _columns(header: Sequence[Any], path: Path) -> dict[str, int]:
    """Which column holds what. 国民经济行业代码 is the code unless the file also has 代码 (then the table is a
    classification that refers to GB/T 4754, as the patent-intensive one does)."""
    keys = [_header_key(h) for h in header]
    found: dict[str, int] = {}
    for part, names in _HEADERS.items():
        for name in names:
            if name.lower() in keys:
                found[part] = keys.index(name.lower())
                break
    for national, part in ((_NATIONAL_CODE, "code"), (_NATIONAL_NAME, "name_zh")):
        if national in keys:
            if part in found:
                if part == "code":
                    found.setdefault("gbt4754", keys.index(national))
            else:
                found[part] = keys.index(national)
    if "code" not in found:
        raise IndustryLoadError(path, 1, "no industry code column (industry_code, 行业代码 or 代码)")
    if "ipc" not in found and "gbt4754" not in found:
        raise IndustryLoadError(
            path, 1, "no IPC column (ipc, 国际专利分类) and no GB/T 4754 column (gbt4754)"
        )
    return found


def _read_cells(path: Path) -> list[list[Any]]:
    if not path.exists():
        raise IndustryLoadError(path, 0, "file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from python_calamine import CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(path))
            return [list(r) for r in workbook.get_sheet_by_index(0).to_python()]
        except Exception as error:  # calamine raises its own types for broken files
            raise IndustryLoadError(path, 0, f"not a readable spreadsheet ({error})") from error
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise IndustryLoadError(path, 0, "not UTF-8 or GB18030 text")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _cell(row: Sequence[Any], index: int | None) -> str:
    if index is None or index >= len(row) or row[index] is None:
        return ""
    value = row[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _prefixes(text: str, path: Path, line: int) -> list[str]:
    prefixes: list[str] = []
    for token in (t.strip() for t in _SPLIT_RE.split(text)):
        if not token:
            continue
        try:
            prefixes.append(normalise_prefix(token))
            continue
        except (PrefixError, IpcError):
            pass
        for part in token.split():
            try:
                prefixes.append(normalise_prefix(part))
            except (PrefixError, IpcError):
                raise IndustryLoadError(
                    path, line, f"{token!r} is not an IPC prefix such as G06N or G06N 3/"
                ) from None
    return list(dict.fromkeys(prefixes))


def read_industry_table(path: Path) -> list[IndustryRow]:
    """The industries of a table in the layout above, in file order, repeated codes merged."""
    cells = _read_cells(path)
    start = next((i for i, r in enumerate(cells) if any(_cell(r, j) for j in range(len(r)))), None)
    if start is None:
        raise IndustryLoadError(path, 0, "the file is empty")
    columns = _columns(cells[start], path)
    rows: dict[str, IndustryRow] = {}
    last: IndustryRow | None = None
    for offset, raw in enumerate(cells[start + 1 :], start=start + 2):
        code = _cell(raw, columns.get("code"))
        ipc = _prefixes(_cell(raw, columns.get("ipc")), path, offset)
        national = [c for c in _SPLIT_RE.split(_cell(raw, columns.get("gbt4754"))) if c.strip()]
        if not code:
            if (ipc or national) and last is not None:
                last.ipc.extend(p for p in ipc if p not in last.ipc)
                last.gbt4754.extend(c.strip() for c in national)
            elif ipc or national:
                raise IndustryLoadError(path, offset, "IPC codes without an industry code")
            continue
        if len(code) > 20:
            raise IndustryLoadError(path, offset, f"industry code {code!r} is longer than 20 characters")
        row = rows.get(code)
        if row is None:
            row = rows[code] = IndustryRow(line=offset, code=code)
        row.name_zh = row.name_zh or _cell(raw, columns.get("name_zh"))
        row.name_en = row.name_en or _cell(raw, columns.get("name_en"))
        row.parent_code = row.parent_code or _cell(raw, columns.get("parent_code"))
        row.ipc.extend(p for p in ipc if p not in row.ipc)
        row.gbt4754.extend(c.strip() for c in national)
        last = row
    if not rows:
        raise IndustryLoadError(path, 0, "the table lists no industries")
    for row in rows.values():
        if not row.name_zh:
            raise IndustryLoadError(path, row.line, f"industry {row.code} has no name")
        if row.parent_code and row.parent_code not in rows:
            raise IndustryLoadError(
                path, row.line, f"parent {row.parent_code} of {row.code} is not in the table"
            )
    return list(rows.values())


# --- loading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndustryLoadResult:
    scheme: str
    path: str
    is_starter: bool
    industries: int
    prefixes: int
    seconds: float


def _implied_parent(code: str, codes: set[str]) -> str:
    for length in range(len(code) - 1, 0, -1):
        if code[:length] in codes:
            return code[:length]
    return ""


def _national_prefixes(codes: list[str], path: Path, line: int) -> list[str]:
    rows = IpcConcordance.objects.filter(scheme__key="gbt4754")
    if not rows.exists():
        raise IndustryLoadError(
            path, line, "this table refers to GB/T 4754 codes: load the GB/T 4754 concordance first"
        )
    prefixes: set[str] = set()
    for code in codes:
        prefixes.update(rows.filter(industry__code__startswith=code).values_list("ipc_prefix", flat=True))
    return sorted(prefixes)


def load_industry_table(*, scheme: str, path: Path, is_starter: bool) -> IndustryLoadResult:
    """Replace `scheme`'s industries and IPC prefixes with the table at `path`, in one transaction with one
    audit entry; a bad row (`IndustryLoadError`) leaves the scheme as it was."""
    started = time.monotonic()
    specs = scheme_specs()
    if scheme not in specs:
        raise IndustryLoadError(path, 0, f"unknown scheme {scheme!r}; known: {', '.join(sorted(specs))}")
    spec = specs[scheme]
    rows = read_industry_table(path)
    with transaction.atomic():
        record, _created = IndustryScheme.objects.update_or_create(
            key=scheme,
            defaults={
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "is_starter": is_starter,
                "source": spec.source if is_starter else f"{path.name} (official table)",
            },
        )
        if not is_starter:
            for suffix in (
                "（起步映射，请以官方表替换）",
                " (starter mapping, replace with the official table)",
            ):
                record.name_zh = record.name_zh.replace(suffix, "")
                record.name_en = record.name_en.replace(suffix, "")
            record.save(update_fields=["name_zh", "name_en", "updated_at"])
        before = {"industries": record.classes.count(), "prefixes": record.ipc_rows.count()}
        national = {row.code: _national_prefixes(row.gbt4754, path, row.line) for row in rows if row.gbt4754}
        IpcConcordance.objects.filter(scheme=record).delete()
        IndustryClass.objects.filter(scheme=record).delete()
        codes = {row.code for row in rows}
        classes = IndustryClass.objects.bulk_create(
            IndustryClass(scheme=record, code=row.code, name_zh=row.name_zh, name_en=row.name_en)
            for row in rows
        )
        by_code = {c.code: c for c in classes}
        for row, industry in zip(rows, classes, strict=True):
            parent = row.parent_code or _implied_parent(row.code, codes)
            if parent:
                industry.parent = by_code[parent]
        IndustryClass.objects.bulk_update([c for c in classes if c.parent_id], ["parent"])
        links = [
            IpcConcordance(scheme=record, ipc_prefix=prefix, industry=by_code[row.code])
            for row in rows
            for prefix in dict.fromkeys([*row.ipc, *national.get(row.code, [])])
        ]
        IpcConcordance.objects.bulk_create(links, batch_size=2_000)
        result = IndustryLoadResult(
            scheme=scheme,
            path=str(path),
            is_starter=is_starter,
            industries=len(classes),
            prefixes=len(links),
            seconds=time.monotonic() - started,
        )
        audit.record(
            action="reference.load_industries",
            target=record,
            before=before,
            after={
                "path": path.name,
                "is_starter": is_starter,
                "industries": len(classes),
                "prefixes": len(links),
            },
        )
    return result


def ensure_schemes() -> None:
    """Create the known schemes' records (without industries) so pages can list what is not loaded."""
    for spec in scheme_specs().values():
        IndustryScheme.objects.get_or_create(
            key=spec.key, defaults={"name_zh": spec.name_zh, "name_en": spec.name_en, "source": spec.source}
        )


def load_starters(*, replace_official: bool = False) -> list[IndustryLoadResult]:
    """Load the bundled starter tables, except over a scheme already loaded from an official table (unless
    `replace_official`)."""
    results = []
    ensure_schemes()
    for spec in scheme_specs().values():
        if not spec.file:
            continue
        current = IndustryScheme.objects.filter(key=spec.key).first()
        if current is not None and not current.is_starter and not replace_official:
            continue
        results.append(load_industry_table(scheme=spec.key, path=data_dir() / spec.file, is_starter=True))
    return results
