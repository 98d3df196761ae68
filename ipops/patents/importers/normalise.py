"""Turn a source row into a clean patent record, or into problems: shared by every import format.

Rules: a row needs a title and a publication or application number. An optional field that is invalid is
stored empty, with a warning in the report — never stored wrong. A number that is the row's only key
and is invalid rejects the row.
"""

from __future__ import annotations

import hashlib
import json
import re
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
    NumberError,
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


@dataclass
class ApplicantName:
    raw: str
    name: str
    key: str
    kind: str


@dataclass
class CleanRecord:
    line: int
    key: str  # "pub:CN202644312U" or "app:CN2012202497674": what identifies the record
    fields: dict[str, Any]  # Patent model field → value
    applicants: list[ApplicantName] = field(default_factory=list)
    ipc: list[tuple[str, str, str, bool]] = field(default_factory=list)  # (code, subclass, version, is_main)
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


def legal_status_of(raw: str) -> str | None:
    lowered = raw.lower()
    for words, status in LEGAL_STATUS_WORDS:
        if any(w in lowered for w in words):
            return str(status)
    return None


def normalise_row(row: SourceRow) -> tuple[CleanRecord | None, list[Problem]]:
    """The clean record (None when the row is rejected) and every problem found in it."""
    problems: list[Problem] = []
    values = row.values

    def warn(column: str, value: Any, reason: str) -> None:
        problems.append(Problem(row.line, column, cell_text(value)[:200], reason, "warning"))

    def reject(column: str, value: Any, reason: str) -> tuple[None, list[Problem]]:
        problems.append(Problem(row.line, column, cell_text(value)[:200], reason, "error"))
        return None, problems

    title = text(values, "title")
    if not title:
        return reject("title", "", _("The title is missing."))
    country = (text(values, "country") or "CN").upper()[:2]
    out: dict[str, Any] = {"title": title, "country": country}

    pub = None
    raw_pub = text(values, "pub_number")
    if raw_pub:
        try:
            pub = parse_publication_number(raw_pub)
        except NumberError as exc:
            warn("pub_number", raw_pub, str(exc.message))
    app = None
    raw_app = text(values, "app_number")
    if raw_app:
        if country == "CN" and (raw_app.upper().startswith(("CN", "ZL")) or raw_app[:1].isdigit()):
            try:
                app = parse_cn_application_number(raw_app)
            except NumberError as exc:
                warn("app_number", raw_app, str(exc.message))
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
    if pub is not None:
        out["pub_number"] = pub.compact
        out["country"] = pub.country
        out["kind"] = pub.kind
    if app is not None:
        out["app_number"] = app.compact
    ptype = (patent_type_from_publication(pub) if pub is not None else None) or (
        app.patent_type if app is not None else None
    )
    if pub is not None and app is not None:
        from_pub = patent_type_from_publication(pub)
        if from_pub and from_pub != app.patent_type:
            warn(
                "app_number",
                raw_app,
                _("The application number is for a %(a)s but the publication number for a %(p)s.")
                % {"a": PatentType(app.patent_type).label, "p": PatentType(from_pub).label},
            )
    out["patent_type"] = ptype or ""

    for column in ("app_date", "pub_date", "grant_date"):
        raw = values.get(column)
        try:
            out[column] = parse_date(raw)
        except DateError as exc:
            warn(column, raw, exc.message)
            out[column] = None

    ipc_codes: list[tuple[str, str, str, bool]] = []
    raw_ipc, raw_main = text(values, "ipc"), text(values, "main_ipc")
    main_code = ""
    if raw_main:
        try:
            main_code = parse_ipc(raw_main).code
        except IpcError as exc:
            warn("main_ipc", raw_main, str(exc.message))
    if raw_ipc:
        try:
            parsed = parse_ipc_list(raw_ipc)
        except IpcError as exc:
            warn("ipc", raw_ipc, str(exc.message))
            parsed = []
        for code in parsed:
            ipc_codes.append((code.code, code.subclass_code, code.version, False))
    if main_code and main_code not in {c[0] for c in ipc_codes}:
        ipc_codes.insert(0, (main_code, main_code.split(" ")[0][:4], "", True))
    main_code = main_code or (ipc_codes[0][0] if ipc_codes else "")
    ipc_codes = [(c, s, v, c == main_code) for c, s, v, _m in ipc_codes]
    out["main_ipc"] = main_code

    raw_locarno = text(values, "locarno")
    out["locarno"] = ""
    if raw_locarno:
        try:
            out["locarno"] = parse_locarno(raw_locarno)
        except IpcError as exc:
            warn("locarno", raw_locarno, str(exc.message))

    applicants: list[ApplicantName] = []
    for raw_name in split_applicants(text(values, "applicants")):
        name = clean_name(raw_name)
        key = name_key(name)
        if key:
            applicants.append(ApplicantName(raw_name[:300], name[:300], key[:300], str(applicant_type(name))))
    out["applicants_text"] = text(values, "applicants")
    out["inventors"] = text(values, "inventors")

    address = text(values, "address")
    out["address"] = address
    region = default_normaliser().normalise(address) if address else None
    out["applicant_country"] = region.country if region else ""
    out["province_code"] = region.province_code if region else ""
    out["city_code"] = region.city_code if region else ""
    out["district_code"] = region.district_code if region else ""

    agency = text(values, "agency")
    match = _AGENCY_CODE.match(agency)
    out["agency"], out["agency_code"] = (match.group(1).strip(), match.group(2)) if match else (agency, "")
    for column in ("agents", "priority", "abstract", "first_claim", "title_en"):
        out[column] = text(values, column)
    raw_status = text(values, "legal_status")
    out["legal_status"] = ""
    if raw_status:
        status = legal_status_of(raw_status)
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
            warn(column, out[column], _("Longer than %(n)d characters; the rest was cut off.") % {"n": limit})
            out[column] = out[column][:limit]
    out["extra"] = row.extra

    key = f"pub:{out['pub_number']}" if out.get("pub_number") else f"app:{out['app_number']}"
    record = CleanRecord(line=row.line, key=key, fields=out, applicants=applicants, ipc=ipc_codes)
    record.content_hash = content_hash(record, with_extra=True)
    record.core_hash = content_hash(record, with_extra=False)
    return record, problems


def content_hash(record: CleanRecord, *, with_extra: bool) -> str:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    payload = {
        "f": {k: plain(v) for k, v in sorted(record.fields.items()) if with_extra or k != "extra"},
        "a": [(a.raw, a.key) for a in record.applicants],
        "i": record.ipc,
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
