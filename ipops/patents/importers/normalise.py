"""Turn a source row into a clean patent record, or into problems: shared by every import format.

Rules: a row needs a title and a publication or application number. An optional field that is invalid is
stored empty, with a warning in the report — never stored wrong. A number that is the row's only key
and is invalid rejects the row.

`normalise_row` normalises one row. An import uses a `RowNormaliser`, which does exactly the same but
remembers, for the length of one import, what the pure normalisers of `ipops.patents.normalize` made of a
given text: applicants, addresses, agencies, IPC lists and dates repeat heavily in real exports (an
applicant files many patents, a gazette has one publication date). The caches live as long as the
`RowNormaliser`, i.e. one import, so a cached warning is always in the import's language and a cached
plausibility check always has the import's "today".
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from ipops.patents.importers.base import Problem, SourceRow
from ipops.patents.importers.tabular import cell_text
from ipops.patents.models import LegalStatus, PatentType
from ipops.patents.normalize.address import default_normaliser
from ipops.patents.normalize.dates import DateError, parse_date
from ipops.patents.normalize.ipc import IpcError, parse_ipc, parse_ipc_list, parse_locarno
from ipops.patents.normalize.names import applicant_type, clean_name, name_key, split_applicants
from ipops.patents.normalize.numbers import (
    CnApplicationNumber,
    NumberError,
    PublicationNumber,
    grant_publication,
    parse_cn_application_number,
    parse_publication_number,
    patent_type_from_publication,
)

MAX_LENGTHS = {"title": 500, "title_en": 500, "address": 500, "agency": 300, "agents": 300, "priority": 500}
_AGENCY_CODE = re.compile(r"^(.*?)[\s(（]*(\d{5})[)）]?$")
LEGAL_STATUS_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("无效宣告", "全部无效", "invalidated"), LegalStatus.INVALIDATED),
    (("未缴年费", "未缴费", "失效", "终止", "lapsed"), LegalStatus.LAPSED),
    (("期限届满", "届满", "expired"), LegalStatus.EXPIRED),
    (("撤回", "视为撤回", "withdrawn"), LegalStatus.WITHDRAWN),
    (("驳回", "rejected"), LegalStatus.REJECTED),
    (("授权", "有效", "granted", "in force"), LegalStatus.GRANTED),
    (("公开", "实质审查", "审中", "published", "pending"), LegalStatus.PUBLISHED),
)


@dataclass(frozen=True, slots=True)
class ApplicantName:
    raw: str
    name: str
    key: str
    kind: str


IpcRow = tuple[str, str, str, bool]  # (code, subclass, version, is_main)


@dataclass(slots=True)
class CleanRecord:
    line: int
    key: str  # "pub:CN202644312U" or "app:CN2012202497674": what identifies the record
    fields: dict[str, Any]  # Patent model field → value
    applicants: list[ApplicantName] = field(default_factory=list)
    ipc: list[IpcRow] = field(default_factory=list)
    content_hash: str = (
        ""  # everything, incl. unmapped columns: a re-import with the same hash changes nothing
    )
    core_hash: str = ""  # the patent's own data only: two rows of one file with the same are duplicates


LIST_FIELDS = ("applicants", "inventors", "ipc")
_SEPARATOR_ARTEFACT = re.compile(r"([;；])\s*\?\?")  # "A;??B": a separator mangled by an encoding round-trip


def text(values: dict[str, Any], name: str) -> str:
    value = cell_text(values.get(name))
    if name in LIST_FIELDS and "??" in value:
        value = _SEPARATOR_ARTEFACT.sub(r"\1", value)
    if name == "ipc" and "|" in value:  # pipe-separated class lists (research data sets)
        value = value.replace("|", ";")
    return value


def texts(values: dict[str, Any]) -> dict[str, str]:
    """`text` of every value of a row at once (look a field up with `.get(name, "")`)."""
    out = {name: value.strip() if type(value) is str else cell_text(value) for name, value in values.items()}
    for name in LIST_FIELDS:
        value = out.get(name)
        if value and "??" in value:
            out[name] = value = _SEPARATOR_ARTEFACT.sub(r"\1", value)
        if name == "ipc" and value and "|" in value:
            out[name] = value.replace("|", ";")
    return out


def legal_status_of(raw: str) -> str | None:
    lowered = raw.lower()
    for words, status in LEGAL_STATUS_WORDS:
        if any(w in lowered for w in words):
            return str(status)
    return None


# --- the pure parts: each a function of the raw text only (so its result may be remembered) -----------

Warning = tuple[str, Any, str]  # (column, raw value, reason)


def publication_number(raw: str) -> tuple[PublicationNumber | None, str]:
    try:
        return parse_publication_number(raw), ""
    except NumberError as exc:
        return None, str(exc.message)


def cn_application_number(raw: str) -> tuple[CnApplicationNumber | None, str]:
    try:
        return parse_cn_application_number(raw), ""
    except NumberError as exc:
        return None, str(exc.message)


def date_of(raw: Any) -> tuple[date | None, str]:
    try:
        return parse_date(raw), ""
    except DateError as exc:
        return None, exc.message


def classes_of(raw_ipc: str, raw_main: str) -> tuple[str, tuple[IpcRow, ...], tuple[Warning, ...]]:
    """(main IPC code, the IPC rows, warnings) for the IPC list and main IPC columns."""
    warnings: list[Warning] = []
    ipc_codes: list[IpcRow] = []
    main_code = ""
    if raw_main:
        try:
            main_code = parse_ipc(raw_main).code
        except IpcError as exc:
            warnings.append(("main_ipc", raw_main, str(exc.message)))
    if raw_ipc:
        try:
            parsed = parse_ipc_list(raw_ipc)
        except IpcError as exc:
            warnings.append(("ipc", raw_ipc, str(exc.message)))
            parsed = []
        for code in parsed:
            ipc_codes.append((code.code, code.subclass_code, code.version, False))
    if main_code and main_code not in {c[0] for c in ipc_codes}:
        ipc_codes.insert(0, (main_code, main_code.split(" ")[0][:4], "", True))
    main_code = main_code or (ipc_codes[0][0] if ipc_codes else "")
    return main_code, tuple((c, s, v, c == main_code) for c, s, v, _m in ipc_codes), tuple(warnings)


def locarno_of(raw: str) -> tuple[str, str]:
    try:
        return parse_locarno(raw), ""
    except IpcError as exc:
        return "", str(exc.message)


def applicant_name(raw_name: str) -> tuple[str, str, str]:
    """(display name, matching key, applicant type) of one applicant as written."""
    name = clean_name(raw_name)
    key = name_key(name)
    return name, key, str(applicant_type(name)) if key else ""


def applicants_of(raw: str) -> tuple[ApplicantName, ...]:
    applicants = []
    for raw_name in split_applicants(raw):
        name, key, kind = applicant_name(raw_name)
        if key:
            applicants.append(ApplicantName(raw_name[:300], name[:300], key[:300], kind))
    return tuple(applicants)


def region_of(address: str) -> tuple[str, str, str, str]:
    """(country, province, city, district) of an applicant address."""
    region = default_normaliser().normalise(address)
    return region.country, region.province_code, region.city_code, region.district_code


def agency_of(agency: str) -> tuple[str, str]:
    """(name, five-digit code) of a patent agency written as “name code” or “name (code)”."""
    match = _AGENCY_CODE.match(agency)
    return (match.group(1).strip(), match.group(2)) if match else (agency, "")


# --- one row -----------------------------------------------------------------------------------------

CACHE_SIZES = {
    "pub_number": 4096,  # unique but for repeated rows: a small window catches those
    "app_number": 4096,  # unique, or a few spreadsheet-mangled values repeated all through a file
    "date": 16384,
    "classes": 65536,
    "locarno": 4096,
    "applicants": 65536,  # the whole applicants cell (a cache of single names hit 2% on the real gazette)
    "address": 65536,
    "agency": 16384,
    "legal_status": 1024,
}


class RowNormaliser:
    """`normalise_row` with the pure normalisers' results remembered (when `cached`) for one import."""

    def __init__(self, *, cached: bool = True) -> None:
        def remember(name: str, function: Callable[..., Any]) -> Any:
            if not cached:
                return function
            wrapped = functools.lru_cache(maxsize=CACHE_SIZES[name])(function)
            self.caches[name] = wrapped
            return wrapped

        self.caches: dict[str, Any] = {}
        self.publication_number = remember("pub_number", publication_number)
        self.cn_application_number = remember("app_number", cn_application_number)
        self._date_of = remember("date", date_of)
        self.classes_of = remember("classes", classes_of)
        self.locarno_of = remember("locarno", locarno_of)
        self.applicants_of = remember("applicants", applicants_of)
        self.region_of = remember("address", region_of)
        self.agency_of = remember("agency", agency_of)
        self.legal_status_of = remember("legal_status", legal_status_of)
        self.cached = cached

    def date_of(self, raw: Any) -> tuple[date | None, str]:
        # text only: True == 1 == 1.0 for a cache, not for the date parser
        return self._date_of(raw) if type(raw) is str else date_of(raw)

    def cache_stats(self) -> dict[str, tuple[int, int]]:
        """Cache name → (hits, misses) so far."""
        return {name: (c.cache_info().hits, c.cache_info().misses) for name, c in self.caches.items()}

    def __call__(self, row: SourceRow) -> tuple[CleanRecord | None, list[Problem]]:
        return self.normalise(row.line, row.values, row.extra)

    def normalise(
        self, line: int, values: dict[str, Any], extra: dict[str, str]
    ) -> tuple[CleanRecord | None, list[Problem]]:
        """The clean record (None when the row is rejected) and every problem found in it."""
        problems: list[Problem] = []

        def warn(column: str, value: Any, reason: str) -> None:
            problems.append(Problem(line, column, cell_text(value)[:200], reason, "warning"))

        def reject(column: str, value: Any, reason: str) -> tuple[None, list[Problem]]:
            problems.append(Problem(line, column, cell_text(value)[:200], reason, "error"))
            return None, problems

        t = texts(values)
        title = t.get("title", "")
        if not title:
            return reject("title", "", _("The title is missing."))
        country = (t.get("country") or "CN").upper()[:2]
        out: dict[str, Any] = {"title": title, "country": country}

        pub = None
        raw_pub = t.get("pub_number", "")
        if raw_pub:
            pub, message = self.publication_number(raw_pub)
            if message:
                warn("pub_number", raw_pub, message)
        app = None
        raw_app = t.get("app_number", "")
        if raw_app:
            if country == "CN" and (raw_app.upper().startswith(("CN", "ZL")) or raw_app[:1].isdigit()):
                app, message = self.cn_application_number(raw_app)
                if message:
                    warn("app_number", raw_app, message)
            else:
                app_text = "".join(raw_app.split()).upper()
                out["app_number"] = app_text[:32]
        if pub is None and app is None and not out.get("app_number"):
            column = "pub_number" if raw_pub else "app_number"
            return reject(
                column,
                raw_pub or raw_app,
                _("The row has no valid publication number or application number, so it cannot be stored."),
            )
        from_pub = None
        if pub is not None:
            out["pub_number"] = pub.compact
            out["country"] = pub.country
            out["kind"] = pub.kind
            from_pub = patent_type_from_publication(pub)
        if app is not None:
            out["app_number"] = app.compact
        ptype = from_pub or (app.patent_type if app is not None else None)
        if from_pub and app is not None and from_pub != app.patent_type:
            warn(
                "app_number",
                raw_app,
                _("The application number is for a %(a)s but the publication number for a %(p)s.")
                % {"a": PatentType(app.patent_type).label, "p": PatentType(from_pub).label},
            )
        out["patent_type"] = ptype or ""

        for column in ("app_date", "pub_date", "grant_date"):
            raw = values.get(column)
            if raw is None:
                out[column] = None
                continue
            out[column], message = self.date_of(raw)
            if message:
                warn(column, raw, message)

        if out["grant_date"] is None and pub is not None and grant_publication(pub, out["pub_date"]):
            out["grant_date"] = out["pub_date"]  # a CN grant announcement (B/U/S, C/Y/D) is dated its grant

        main_code, ipc_codes, ipc_warnings = self.classes_of(t.get("ipc", ""), t.get("main_ipc", ""))
        for warning in ipc_warnings:
            warn(*warning)
        out["main_ipc"] = main_code

        raw_locarno = t.get("locarno", "")
        out["locarno"] = ""
        if raw_locarno:
            out["locarno"], message = self.locarno_of(raw_locarno)
            if message:
                warn("locarno", raw_locarno, message)

        applicants_text = t.get("applicants", "")
        applicants = list(self.applicants_of(applicants_text)) if applicants_text else []
        out["applicants_text"] = applicants_text
        out["inventors"] = t.get("inventors", "")

        address = t.get("address", "")
        out["address"] = address
        region = self.region_of(address) if address else ("", "", "", "")
        out["applicant_country"], out["province_code"], out["city_code"], out["district_code"] = region

        agency = t.get("agency", "")
        out["agency"], out["agency_code"] = self.agency_of(agency) if agency else ("", "")
        for column in ("agents", "priority", "abstract", "first_claim", "title_en"):
            out[column] = t.get(column, "")
        raw_status = t.get("legal_status", "")
        out["legal_status"] = ""
        if raw_status:
            status = self.legal_status_of(raw_status)
            if status is None:
                warn(
                    "legal_status",
                    raw_status,
                    _("This legal status is not one the platform knows; it was left empty."),
                )
            else:
                out["legal_status"] = status
        for column, limit in MAX_LENGTHS.items():
            if len(out.get(column) or "") > limit:
                warn(
                    column,
                    out[column],
                    _("Longer than %(n)d characters; the rest was cut off.") % {"n": limit},
                )
                out[column] = out[column][:limit]
        out["extra"] = extra

        key = f"pub:{out['pub_number']}" if out.get("pub_number") else f"app:{out['app_number']}"
        record = CleanRecord(line=line, key=key, fields=out, applicants=applicants, ipc=list(ipc_codes))
        record.content_hash, record.core_hash = record_hashes(out, applicants, ipc_codes)
        return record, problems


_PLAIN = RowNormaliser(cached=False)


def normalise_row(row: SourceRow) -> tuple[CleanRecord | None, list[Problem]]:
    """The clean record (None when the row is rejected) and every problem found in it."""
    return _PLAIN(row)


# --- content hashes ----------------------------------------------------------------------------------

HASH_VERSION = "v2"  # stored hashes that do not start with it were made by `legacy_content_hash`
# the fields of a clean record, in the order they are hashed (and stored: loader.PATENT_FIELDS), but `extra`
RECORD_FIELDS = (
    "country", "pub_number", "app_number", "kind", "patent_type", "title", "title_en", "abstract", "first_claim",
    "app_date", "pub_date", "grant_date", "main_ipc", "locarno", "applicants_text", "inventors", "address",
    "applicant_country", "province_code", "city_code", "district_code", "agency", "agency_code", "agents",
    "priority", "legal_status",
)  # fmt: skip
_KNOWN_FIELDS = frozenset({*RECORD_FIELDS, "extra"})


def _text_of(value: Any) -> str:
    """A field value as text: dates in ISO form, nothing as "", anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_LENGTHS: dict[int, struct.Struct] = {}


def _lengths(texts: list[str]) -> bytes:
    """The texts' lengths, each as 8 bytes little-endian."""
    packer = _LENGTHS.get(len(texts))
    if packer is None:
        packer = _LENGTHS[len(texts)] = struct.Struct(f"<{len(texts)}q")
    return packer.pack(*map(len, texts))


def record_hashes(
    fields: dict[str, Any], applicants: list[ApplicantName], ipc: tuple[IpcRow, ...] | list[IpcRow]
) -> tuple[str, str]:
    """(content hash, core hash) of a record, both starting with HASH_VERSION: SHA-256 over its field
    values (what is stored: absent and empty are the same), applicants and classes (the core hash), and
    then over `extra` (the content hash).

    Each list of texts goes into the hash as its count, the texts' lengths (8 bytes each, little-endian)
    and then the texts in UTF-8: unambiguous, whatever characters they hold."""
    texts = [v if type(v) is str else _text_of(v) for v in map(fields.get, RECORD_FIELDS)]
    unknown = [] if fields.keys() <= _KNOWN_FIELDS else sorted(fields.keys() - _KNOWN_FIELDS)
    for name in unknown:
        texts += (name, _text_of(fields[name]))
    for applicant in applicants:
        texts += (applicant.raw, applicant.key)
    for code, subclass, version, is_main in ipc:
        texts += (code, subclass, version, "T" if is_main else "F")
    head = f"{len(unknown)},{len(applicants)},{len(ipc)};".encode()
    digest = hashlib.sha256(head + _lengths(texts) + "".join(texts).encode())
    core = HASH_VERSION + digest.hexdigest()[:62]
    if "extra" not in fields:
        return core, core
    items: list[str] = []
    extra = fields["extra"]
    if extra:
        for key in sorted(extra):
            value = extra[key]
            items += (str(key), value if type(value) is str else _text_of(value))
    digest.update(f"extra {len(items)};".encode() + _lengths(items) + "".join(items).encode())
    return HASH_VERSION + digest.hexdigest()[:62], core


def legacy_content_hash(record: CleanRecord, *, with_extra: bool = True) -> str:
    """The content hash imports stored before HASH_VERSION (JSON of the record, SHA-256): a record stored
    with one is unchanged when this hash of the new row is the stored one."""

    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    payload = {
        "f": {k: plain(v) for k, v in sorted(record.fields.items()) if with_extra or k != "extra"},
        "a": [(a.raw, a.key) for a in record.applicants],
        "i": record.ipc,
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
