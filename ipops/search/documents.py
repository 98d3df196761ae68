"""What the search indexes hold about a patent, read from the database in chunks (never the whole corpus)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ipops.patents.models import Classification, Patent, PatentApplicant

CHUNK = 2000


@dataclass
class SearchDoc:
    id: str
    pub_number: str = ""
    title: str = ""
    abstract: str = ""
    claim: str = ""
    applicants: list[str] = field(default_factory=list)
    owner_kinds: list[str] = field(default_factory=list)
    subclasses: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    patent_type: str = ""
    legal_status: str = ""
    region: str = ""
    year: int = 0
    date: int = 0  # yyyymmdd of the application (publication when unknown), 0 when unknown

    @property
    def semantic_text(self) -> str:
        """What the embedder reads: the title and the start of the abstract (the model reads ~128 tokens)."""
        return (self.title + "。" + self.abstract[:200]) if self.abstract else self.title


def _day(value: date | None) -> int:
    return value.year * 10000 + value.month * 100 + value.day if value else 0


def _code(raw: str) -> str:
    return raw.replace(" ", "").upper()


def docs_for(patents: Iterable[Patent]) -> list[SearchDoc]:
    """Search documents for patents already fetched (applicants and classifications fetched here)."""
    patents = list(patents)
    ids = [p.pk for p in patents]
    applicants: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for patent_id, name, kind in (
        PatentApplicant.objects.filter(patent_id__in=ids)
        .order_by("patent_id", "position")
        .values_list("patent_id", "applicant__name", "applicant__kind")
    ):
        applicants[patent_id].append((name, kind or ""))
    classes: dict[Any, list[tuple[str, str]]] = defaultdict(list)
    for patent_id, code, subclass in (
        Classification.objects.filter(patent_id__in=ids, scheme="ipc")
        .order_by("patent_id", "position")
        .values_list("patent_id", "code", "subclass")
    ):
        classes[patent_id].append((_code(code), (subclass or code[:4]).upper()))
    out = []
    for p in patents:
        rows = classes.get(p.pk, [])
        subclasses = list(dict.fromkeys(s for _c, s in rows if s))
        if not subclasses and len(p.main_ipc.replace(" ", "")) >= 4:
            subclasses = [_code(p.main_ipc)[:4]]
        when = p.app_date or p.pub_date
        out.append(
            SearchDoc(
                id=str(p.pk),
                pub_number=p.pub_number or p.app_number,
                title=p.title,
                abstract=p.abstract,
                claim=p.first_claim,
                applicants=[n for n, _k in applicants.get(p.pk, [])],
                owner_kinds=list(dict.fromkeys(k for _n, k in applicants.get(p.pk, []) if k)),
                subclasses=subclasses,
                codes=list(dict.fromkeys(c for c, _s in rows)) or ([_code(p.main_ipc)] if p.main_ipc else []),
                patent_type=p.patent_type,
                legal_status=p.legal_status,
                region=p.province_code,
                year=when.year if when else 0,
                date=_day(when),
            )
        )
    return out


FIELDS = (
    "id",
    "pub_number",
    "app_number",
    "title",
    "abstract",
    "first_claim",
    "main_ipc",
    "patent_type",
    "legal_status",
    "province_code",
    "app_date",
    "pub_date",
)


def iter_docs(ids: Iterable[Any] | None = None, chunk: int = CHUNK) -> Iterator[list[SearchDoc]]:
    """All patents (or those with the given ids) as search documents, `chunk` at a time, in id order."""
    if ids is not None:
        wanted = list(ids)
        for start in range(0, len(wanted), chunk):
            yield docs_for(Patent.objects.filter(pk__in=wanted[start : start + chunk]).only(*FIELDS))
        return
    last = None
    while True:
        qs = Patent.objects.order_by("pk").only(*FIELDS)
        if last is not None:
            qs = qs.filter(pk__gt=last)
        batch = list(qs[:chunk])
        if not batch:
            return
        last = batch[-1].pk
        yield docs_for(batch)
