"""Spreadsheet import of trademarks, copyrights and geographical indications (CSV in UTF-8 or GBK, or XLSX).

The column layout of each kind is `LAYOUTS` below: the first header of each column is the documented one
(shown on the import page and in the template file), the others are spellings found in real exports.
Columns may come in any order; unknown columns are ignored and listed. Every data row is loaded or reported
with its line, column, value and reason. The key is the registration (approval) number: a row whose number
is already in the registry updates that record (when the importer may edit it), so importing the same file
again changes nothing. The caller runs the whole import in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ipops.assets import validators
from ipops.assets.dates import parse_asset_date
from ipops.assets.models import ASSET_MODELS, Asset, AssetKind, Copyright, GeographicalIndication, Trademark
from ipops.core import audit
from ipops.patents.importers.base import FileProblem, Problem
from ipops.patents.importers.tabular import cell_text, header_index, read_table
from ipops.patents.normalize.dates import DateError

Parse = Callable[[Any], Any]


class CellError(ValueError):
    """A cell the importer cannot use; `message` is in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def as_text(raw: Any) -> str:
    """The cell's text, trimmed, inner whitespace collapsed (full-width punctuation of names kept)."""
    return " ".join(cell_text(raw).split())


def as_date(raw: Any) -> Any:
    try:
        return parse_asset_date(raw)
    except DateError as exc:
        raise CellError(exc.message) from None


def as_future_date(raw: Any) -> Any:
    try:
        return parse_asset_date(raw, future=True)
    except DateError as exc:
        raise CellError(exc.message) from None


def as_nice_classes(raw: Any) -> list[int]:
    try:
        return validators.parse_nice_classes(raw if isinstance(raw, int | float) else cell_text(raw))
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


YES = {"是", "y", "yes", "true", "1", "√", "✓", "驰名", "驰名商标"}
NO = {"否", "n", "no", "false", "0", "×", ""}


def as_bool(raw: Any) -> bool:
    text = validators.fold(cell_text(raw)).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(_("“%(value)s” is neither yes (是) nor no (否).") % {"value": text})


def choice_parser(aliases: dict[str, str], choices: Any, what: Promise) -> Parse:
    """Accepts the code, the label in any of the platform's languages, or a spelling from `aliases` (exact,
    then contained in the cell)."""
    known: dict[str, str] = {}
    by_length = sorted(aliases, key=len, reverse=True)  # 已撤销登记 is 撤销登记, not 登记

    def vocabulary() -> dict[str, str]:
        if not known:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    known.update({str(label).lower(): code for code, label in choices})
            known.update({code.lower(): code for code, _label in choices})
            known.update({alias.lower(): code for alias, code in aliases.items()})
        return known

    def parse(raw: Any) -> str:
        text = validators.fold(cell_text(raw))
        if not text:
            return ""
        found = vocabulary().get(text.lower())
        if found is None:
            found = next((aliases[a] for a in by_length if a in text), None)
        if found is None:
            raise CellError(
                _("“%(value)s” is not a known %(what)s; use one of: %(choices)s.")
                % {"value": text, "what": what, "choices": "、".join(dict.fromkeys(aliases))}
            )
        return found

    return parse


TRADEMARK_STATUS = {
    "已注册": "registered",
    "注册": "registered",
    "有效": "registered",
    "申请中": "applied",
    "已申请": "applied",
    "待审中": "applied",
    "初审公告": "applied",
    "已过期": "expired",
    "期满未续展": "expired",
    "过期": "expired",
    "失效": "expired",
    "已注销": "cancelled",
    "注销": "cancelled",
    "撤销": "cancelled",
    "无效宣告": "invalidated",
    "已无效": "invalidated",
    "无效": "invalidated",
}
COPYRIGHT_STATUS = {
    "已登记": "registered",
    "登记": "registered",
    "有效": "registered",
    "申请中": "applied",
    "保护期届满": "expired",
    "已过期": "expired",
    "撤销登记": "cancelled",
    "已撤销": "cancelled",
    "注销": "cancelled",
}
COPYRIGHT_KIND = {  # a cell containing an alias (the longest that fits) has its kind
    "计算机软件": "software",
    "软件": "software",
    "文字": "literary",
    "口述": "oral",
    "音乐": "music",
    "戏剧": "dramatic",
    "曲艺": "dramatic",
    "舞蹈": "dramatic",
    "杂技": "dramatic",
    "美术": "art",
    "建筑": "architecture",
    "摄影": "photography",
    "视听": "audiovisual",
    "电影": "audiovisual",
    "类似摄制电影": "audiovisual",
    "工程设计图": "graphic",
    "产品设计图": "graphic",
    "地图": "graphic",
    "示意图": "graphic",
    "图形": "graphic",
    "模型": "model",
    "其他": "other",
}
GI_KIND = {
    "农产品地理标志": "agricultural",
    "农产品": "agricultural",
    "地理标志证明商标": "certification_mark",
    "证明商标": "certification_mark",
    "地理标志集体商标": "collective_mark",
    "集体商标": "collective_mark",
    "地理标志产品": "product",
    "地理标志保护产品": "product",
}
GI_STATUS = {
    "保护中": "protected",
    "受保护": "protected",
    "有效": "protected",
    "已撤销": "revoked",
    "撤销": "revoked",
    "已注销": "cancelled",
    "注销": "cancelled",
}


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]  # the documented header first, then accepted spellings
    required: bool
    description: Promise
    example: str
    parse: Parse

    @property
    def header(self) -> str:
        return self.headers[0]


@dataclass(frozen=True)
class Layout:
    kind: str
    columns: tuple[Column, ...]

    def resolve(self, index: dict[str, int]) -> dict[str, tuple[Column, str, int]]:
        """Our field → (column, the header as the file spells it, position). FileProblem when a required
        column is missing."""
        found: dict[str, tuple[Column, str, int]] = {}
        for column in self.columns:
            for header in column.headers:
                if header in index:
                    found[column.field] = (column, header, index[header])
                    break
        missing = [c.header for c in self.columns if c.required and c.field not in found]
        if missing:
            raise FileProblem(
                _("The file has no column %(missing)s, which an import needs. Columns found: %(found)s.")
                % {
                    "missing": "、".join(f"“{m}”" for m in missing),
                    "found": "、".join(index) or "—",
                }
            )
        return found

    def ignored(self, index: dict[str, int]) -> list[str]:
        accepted = {h for c in self.columns for h in c.headers}
        return [h for h in index if h not in accepted]


def _number_parser(normalise: Callable[[Any], str]) -> Parse:
    return lambda raw: normalise(cell_text(raw))


LAYOUTS: dict[str, Layout] = {
    AssetKind.TRADEMARK: Layout(
        AssetKind.TRADEMARK,
        (
            Column(
                "number",
                ("注册号", "注册号/申请号", "申请号/注册号", "申请号", "Registration number"),
                True,
                gettext_lazy("Registration (application) number"),
                "12345678",
                _number_parser(validators.normalise_trademark_number),
            ),
            Column("name", ("商标名称", "商标", "Mark"), True, gettext_lazy("The mark"), "朝知", as_text),
            Column(
                "nice_classes",
                ("国际分类", "国际分类号", "类别", "Nice classes"),
                True,
                gettext_lazy("Nice classes 1–45, separated by ; or ,"),
                "9;42",
                as_nice_classes,
            ),
            Column(
                "goods_services",
                ("商品/服务", "商品服务", "指定商品/服务", "商品/服务项目", "Goods/services"),
                False,
                gettext_lazy("Goods and services"),
                "计算机软件；技术咨询",
                as_text,
            ),
            Column(
                "owner_name",
                ("注册人", "申请人/注册人", "注册人/申请人", "申请人", "Registrant"),
                True,
                gettext_lazy("Registrant"),
                "北京朝知智能科技有限公司",
                as_text,
            ),
            Column(
                "app_date",
                ("申请日", "申请日期", "Application date"),
                False,
                gettext_lazy("Application date"),
                "2014-05-20",
                as_date,
            ),
            Column(
                "reg_date",
                ("注册日", "注册日期", "注册公告日期", "Registration date"),
                False,
                gettext_lazy("Registration date (needed when registered)"),
                "2015-08-07",
                as_date,
            ),
            Column(
                "expiry_date",
                ("有效期至", "专用权期限", "专用期限至", "Valid until"),
                False,
                gettext_lazy("Valid until; empty: ten years from registration"),
                "2025-08-06",
                as_future_date,
            ),
            Column(
                "status",
                ("状态", "商标状态", "法律状态", "Status"),
                False,
                gettext_lazy("Status; empty: registered when there is a registration date"),
                "已注册",
                choice_parser(TRADEMARK_STATUS, Trademark.Status.choices, gettext_lazy("trademark status")),
            ),
            Column(
                "is_well_known",
                ("驰名商标", "Well-known"),
                False,
                gettext_lazy("Well-known mark: 是 or 否"),
                "否",
                as_bool,
            ),
        ),
    ),
    AssetKind.COPYRIGHT: Layout(
        AssetKind.COPYRIGHT,
        (
            Column(
                "number",
                ("登记号", "登记证号", "Registration number"),
                True,
                gettext_lazy("Registration number"),
                "2023SR0123456",
                _number_parser(validators.normalise_copyright_number),
            ),
            Column(
                "kind",
                ("作品类别", "作品类型", "Kind of work"),
                False,
                gettext_lazy("Kind of work; empty: software when the number has SR"),
                "计算机软件",
                choice_parser(COPYRIGHT_KIND, Copyright.Kind.choices, gettext_lazy("kind of work")),
            ),
            Column(
                "title",
                ("作品/软件名称", "作品名称", "软件名称", "软件全称", "Title"),
                True,
                gettext_lazy("Title of the work or software"),
                "朝知智能排产系统",
                as_text,
            ),
            Column(
                "version", ("版本号", "Version"), False, gettext_lazy("Version (software)"), "V1.0", as_text
            ),
            Column(
                "owner_name",
                ("著作权人", "著作权人（国籍）", "Copyright owner"),
                True,
                gettext_lazy("Copyright owner"),
                "北京朝知智能科技有限公司",
                as_text,
            ),
            Column(
                "completion_date",
                ("完成日期", "开发完成日期", "创作完成日期", "Completion date"),
                False,
                gettext_lazy("Completion date"),
                "2022-11-30",
                as_date,
            ),
            Column(
                "first_publication_date",
                ("首次发表日期", "首次发表日", "First publication date"),
                False,
                gettext_lazy("First publication date"),
                "2023-01-15",
                as_date,
            ),
            Column(
                "reg_date",
                ("登记日期", "登记日", "Registration date"),
                False,
                gettext_lazy("Registration date (needed when registered)"),
                "2023-03-02",
                as_date,
            ),
            Column(
                "status",
                ("状态", "Status"),
                False,
                gettext_lazy("Status; empty: registered when there is a registration date"),
                "已登记",
                choice_parser(COPYRIGHT_STATUS, Copyright.Status.choices, gettext_lazy("copyright status")),
            ),
        ),
    ),
    AssetKind.GI: Layout(
        AssetKind.GI,
        (
            Column(
                "number",
                ("批准号", "批准文号", "登记证书编号", "公告号", "Approval number"),
                True,
                gettext_lazy("Approval notice, registration or certificate number"),
                "2010年第127号",
                _number_parser(validators.normalise_approval_number),
            ),
            Column("name", ("地理标志名称", "名称", "Name"), True, gettext_lazy("Name"), "朝阳小米", as_text),
            Column(
                "product", ("产品", "产品名称", "Product"), True, gettext_lazy("Product"), "小米", as_text
            ),
            Column(
                "kind",
                ("保护类型", "类型", "Protection kind"),
                True,
                gettext_lazy("地理标志产品, 地理标志证明商标, 集体商标 or 农产品地理标志"),
                "地理标志产品",
                choice_parser(GI_KIND, GeographicalIndication.Kind.choices, gettext_lazy("protection kind")),
            ),
            Column(
                "region_code",
                ("地区代码", "行政区划代码", "Region code"),
                False,
                gettext_lazy("Region code (GB/T 2260, six digits)"),
                "110105",
                as_text,
            ),
            Column(
                "approval_date",
                ("批准日期", "批准日", "公告日期", "Approval date"),
                False,
                gettext_lazy("Approval date"),
                "2010-09-16",
                as_date,
            ),
            Column(
                "holder_name",
                ("持有人", "证书持有人", "注册人", "申请人", "Holder"),
                True,
                gettext_lazy("Holder"),
                "朝阳区小米产业协会",
                as_text,
            ),
            Column(
                "status",
                ("状态", "Status"),
                False,
                gettext_lazy("Status; empty: protected"),
                "保护中",
                choice_parser(GI_STATUS, GeographicalIndication.Status.choices, gettext_lazy("GI status")),
            ),
        ),
    ),
}


def fill_defaults(kind: str, values: dict[str, Any]) -> None:
    """Status (and, for copyrights, the kind of work) when the file leaves them empty."""
    if not values.get("status"):
        if kind == AssetKind.GI:
            values["status"] = GeographicalIndication.Status.PROTECTED
        else:
            values["status"] = "registered" if values.get("reg_date") else "applied"
    if kind == AssetKind.COPYRIGHT and not values.get("kind"):
        values.pop("kind", None)  # an existing record keeps its kind
        if SOFTWARE_NUMBER in values.get("number", ""):
            values["kind"] = Copyright.Kind.SOFTWARE


SOFTWARE_NUMBER = "SR"  # 软件著作权登记号: 2023SR0123456


@dataclass
class Outcome:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # for the audit entry


def data_rows(path: Path) -> tuple[dict[str, int], Iterator[tuple[int, list[Any]]]]:
    rows = read_table(path)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise FileProblem(_("The file is empty.")) from None
    return header_index(header), rows


def run(
    *,
    kind: str,
    path: Path,
    new_asset: Callable[[], Asset],
    may_update: Callable[[Asset], bool],
) -> Outcome:
    """Read, check and load one file. FileProblem when the file cannot be imported at all."""
    layout, model = LAYOUTS[kind], ASSET_MODELS[kind]
    index, rows = data_rows(path)
    columns = layout.resolve(index)
    outcome = Outcome(ignored_columns=layout.ignored(index))
    header_of = {c.field: c.header for c in layout.columns} | {f: h for f, (_c, h, _p) in columns.items()}
    seen: dict[str, int] = {}
    for line, cells in rows:
        if not any(cell_text(c) for c in cells):
            continue
        outcome.rows_read += 1
        raw = {f: (cells[pos] if pos < len(cells) else None) for f, (_c, _h, pos) in columns.items()}
        problems: list[Problem] = []

        def report(
            field_name: str,
            reason: str,
            line: int = line,
            raw: dict[str, Any] = raw,
            problems: list[Problem] = problems,
        ) -> None:
            value = raw.get(field_name)
            shown = value.isoformat() if isinstance(value, date) else cell_text(value)
            problems.append(Problem(line, header_of.get(field_name, ""), shown, reason))

        values: dict[str, Any] = {}
        for name, (column, _header, _pos) in columns.items():
            try:
                values[name] = column.parse(raw[name])
            except CellError as exc:
                report(name, exc.message)
                continue
            if column.required and values[name] in ("", [], None):
                report(name, _("This column needs a value."))
        if not problems:
            fill_defaults(kind, values)
            number = values["number"]
            if number in seen:
                report(
                    "number",
                    _("The same number is already on line %(line)d; give each number once.")
                    % {"line": seen[number]},
                )
            else:
                seen[number] = line
                load_row(model, values, new_asset, may_update, outcome, report)
        if problems:
            outcome.rejected += 1
            outcome.problems.extend(problems)
    if outcome.rows_read == 0:
        raise FileProblem(_("The file has a header but no data rows."))
    return outcome


def load_row(
    model: Any,
    values: dict[str, Any],
    new_asset: Callable[[], Asset],
    may_update: Callable[[Asset], bool],
    outcome: Outcome,
    report: Callable[[str, str], None],
) -> None:
    existing = model.objects.filter(number=values["number"]).first()
    if existing is not None and not may_update(existing):
        report(
            "number",
            _(
                "This number is already in the registry, entered for another organisation; open it and "
                "claim it instead."
            ),
        )
        return
    asset = existing if existing is not None else new_asset()
    before = audit.snapshot(asset) if existing is not None else None
    asset.before_update(values)
    for name, value in values.items():
        setattr(asset, name, value)
    try:
        asset.full_clean(validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                report(name, message)
        return
    if existing is None:
        asset.save()
        outcome.created += 1
        outcome.changes.append(
            {"id": str(asset.pk), "number": asset.number, "created": audit.snapshot(asset)}
        )
        return
    changed_before, changed_after = audit.diff(before, audit.snapshot(asset))
    if not changed_after:
        outcome.unchanged += 1
        return
    asset.save()
    outcome.updated += 1
    outcome.changes.append(
        {"id": str(asset.pk), "number": asset.number, "before": changed_before, "after": changed_after}
    )
