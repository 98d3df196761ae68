"""Turning search hits into what pages, the API and commands show: patents in hit order, highlighted
snippets, the reason for a match, owners grouped by kind."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ipops.patents.models import Patent, PatentApplicant
from ipops.search import text
from ipops.search.hybrid import Match

SNIPPET_CHARS = 160
_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")


def patents_in_order(ids: Sequence[str]) -> list[Patent]:
    links = PatentApplicant.objects.select_related("applicant").order_by("position")
    found = {
        str(p.pk): p
        for p in Patent.objects.filter(pk__in=list(ids)).prefetch_related(
            Prefetch("applicant_links", queryset=links)
        )
    }
    return [found[i] for i in ids if i in found]


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    pieces: list[str] = []
    for term in terms:
        for piece in [term, *text.words(term)]:
            piece = piece.strip()
            if piece and piece.lower() not in text.STOP_WORDS and len(piece) <= 60:
                pieces.append(piece)
    if not pieces:
        return None
    pieces = sorted(set(pieces), key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in pieces), re.IGNORECASE)


def highlight(value: str, terms: Sequence[str]) -> SafeString:
    """The text, escaped, with the query's words wrapped in <mark>."""
    pattern = _pattern(terms)
    if pattern is None or not value:
        return mark_safe(escape(value))  # noqa: S308 (escaped)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(value):
        out.append(escape(value[last : m.start()]))
        out.append(f"<mark>{escape(m.group(0))}</mark>")
        last = m.end()
    out.append(escape(value[last:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped)


def snippet(value: str, terms: Sequence[str], size: int = SNIPPET_CHARS) -> SafeString:
    """A window of the text around the first matching word, highlighted."""
    if not value:
        return mark_safe("")
    pattern = _pattern(terms)
    start = 0
    if pattern is not None:
        m = pattern.search(value)
        if m is not None:
            start = max(0, m.start() - size // 3)
    part = value[start : start + size]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + size < len(value) else ""
    return mark_safe(escape(prefix) + highlight(part, terms) + escape(suffix))  # noqa: S308


def best_passage(need: str, patent: Patent) -> str:
    """The sentence of the title, abstract or first claim sharing the most words with the need."""
    want = set(text.words(need)) | set(text.bigrams(need))
    best, best_score = "", 0.0
    for source in (patent.title, patent.abstract, patent.first_claim):
        for m in _SENTENCE.finditer(source or ""):
            sentence = m.group(0).strip()
            tokens = set(text.words(sentence)) | set(text.bigrams(sentence))
            if not tokens:
                continue
            score = len(want & tokens) / (len(tokens) ** 0.5)
            if score > best_score:
                best, best_score = sentence, score
    return best[:300]


def shared_words(need: str, patent: Patent) -> list[str]:
    have = set(text.words(f"{patent.title} {patent.abstract} {patent.first_claim}"))
    return [w for w in dict.fromkeys(text.words(need)) if w in have and len(w) > 1][:8]


OWNER_GROUPS = ("university", "institute", "enterprise", "other")


def owner_group(patent: Patent) -> str:
    kinds = [link.applicant.kind for link in patent.applicant_links.all()]
    for kind in ("university", "institute", "enterprise"):
        if kind in kinds:
            return kind
    return "other"


def owners(patent: Patent) -> list[dict[str, str]]:
    names = [
        {"id": str(link.applicant_id), "name": link.applicant.name, "kind": link.applicant.kind}
        for link in patent.applicant_links.all()
    ]
    if not names and patent.applicants_text:
        names = [{"id": "", "name": patent.applicants_text, "kind": ""}]
    return names


@dataclass
class MatchRow:
    patent: Patent
    match: Match
    passage: str
    words: list[str]
    subclasses: list[tuple[str, str]] = field(default_factory=list)  # (code, title)

    @property
    def passage_html(self) -> SafeString:
        return highlight(self.passage, self.words)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.patent.pk),
            "publication_number": self.patent.number,
            "title": self.patent.title,
            "score": round(self.match.score, 4),
            "keyword_score": round(self.match.keyword, 4),
            "semantic_score": round(self.match.semantic, 4),
            "owners": owners(self.patent),
            "owner_group": owner_group(self.patent),
            "reason": {
                "passage": self.passage,
                "shared_words": self.words,
                "shared_subclasses": [{"code": c, "title": t} for c, t in self.subclasses],
            },
        }


def match_rows(need: str, matches: Sequence[Match], language: str) -> list[MatchRow]:
    patents = {str(p.pk): p for p in patents_in_order([m.id for m in matches])}
    codes = sorted({s for m in matches for s in m.shared_subclasses})
    titles: dict[str, str] = {}
    if codes:
        try:
            from ipops.reference.services import ipc_titles

            titles = ipc_titles(codes, language)
        except Exception:
            titles = {}
    rows = []
    for m in matches:
        patent = patents.get(m.id)
        if patent is None:  # deleted since the index was refreshed
            continue
        rows.append(
            MatchRow(
                patent=patent,
                match=m,
                passage=best_passage(need, patent),
                words=shared_words(need, patent),
                subclasses=[(c, titles.get(c, "")) for c in m.shared_subclasses],
            )
        )
    return rows


def grouped(rows: Sequence[MatchRow]) -> list[tuple[str, list[MatchRow]]]:
    groups: dict[str, list[MatchRow]] = {g: [] for g in OWNER_GROUPS}
    for row in rows:
        groups[owner_group(row.patent)].append(row)
    return [(g, groups[g]) for g in OWNER_GROUPS if groups[g]]
