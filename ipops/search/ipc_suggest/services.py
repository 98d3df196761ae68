"""Suggesting IPC subclasses for a text: the one entry point for the page, the API and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ipops.core.permissions import deny, is_member_of_active
from ipops.search.ipc_suggest import store
from ipops.search.ipc_suggest.config import load_params


class SuggestInputError(ValueError):
    """The text cannot be tagged (empty, too long); the message is for the user."""


class ModelNotTrainedError(RuntimeError):
    """No trained model; the message says how to train one."""


@dataclass(frozen=True)
class SuggestedSubclass:
    code: str
    confidence: float
    suggested: bool  # in the set the platform tags the text with
    title: str = ""


@dataclass(frozen=True)
class Industry:
    scheme: str
    code: str
    name: str
    subclasses: tuple[str, ...]


@dataclass
class Suggestion:
    subclasses: list[SuggestedSubclass]
    technology_fields: list[Industry] = field(default_factory=list)  # WIPO 35
    industries: list[Industry] = field(default_factory=list)  # the configured industry scheme
    model: dict[str, Any] = field(default_factory=dict)

    @property
    def suggested(self) -> list[SuggestedSubclass]:
        return [s for s in self.subclasses if s.suggested]


def not_trained_message() -> str:
    return _(
        "The IPC suggestion model has not been trained yet: run `python manage.py train_ipc_suggester` "
        "(or ask a platform operator to start the training job)."
    )


def clean_texts(texts: list[str]) -> list[str]:
    """Strip each text; refuse empty and over-long ones with a message that says which."""
    limit = load_params().max_text_chars
    cleaned = []
    for number, text in enumerate(texts, start=1):
        value = " ".join(str(text or "").split())
        if not value:
            raise SuggestInputError(
                _("Text %(n)d is empty: give a title, an abstract or a description of the technology.")
                % {"n": number}
                if len(texts) > 1
                else _("The text is empty: give a title, an abstract or a description of the technology.")
            )
        if not any(ch.isalnum() for ch in value):
            raise SuggestInputError(
                _("The text has no words, only punctuation or symbols: describe the technology in words.")
            )
        if len(value) > limit:
            raise SuggestInputError(
                _("The text has %(length)d characters; at most %(limit)d are read. Shorten it.")
                % {"length": len(value), "limit": limit}
            )
        cleaned.append(value)
    return cleaned


def suggest_many(texts: list[str]) -> list[list[SuggestedSubclass]]:
    """Subclasses for each text (no permission check: the command line and other services use it)."""
    cleaned = clean_texts(texts)
    try:
        model, _meta = store.load()
    except store.ModelMissingError as exc:
        raise ModelNotTrainedError(not_trained_message()) from exc
    return [
        [
            SuggestedSubclass(code=code, confidence=round(conf, 4), suggested=picked)
            for code, conf, picked in row
        ]
        for row in model.suggest(cleaned)
    ]


def ipc_titles_of(codes: list[str], language: str) -> dict[str, str]:
    from ipops.reference.services import ipc_titles

    return ipc_titles(codes, language) if codes else {}


def industries_of(codes: list[str], language: str) -> tuple[list[Industry], list[Industry]]:
    """WIPO technology fields and industries of the configured scheme for these subclasses (in order of
    the first subclass that leads to each)."""
    from ipops.reference.services import technology_fields_for

    fields: dict[int, tuple[Any, list[str]]] = {}
    for code, tf in technology_fields_for(codes).items():
        fields.setdefault(tf.number, (tf, []))[1].append(code)
    wipo = [
        Industry(scheme="wipo35", code=str(number), name=tf.name(language), subclasses=tuple(subs))
        for number, (tf, subs) in sorted(fields.items(), key=lambda kv: codes.index(kv[1][1][0]))
    ]
    industries: list[Industry] = []
    try:
        from ipops.reference.industries import industries_for_ipc
    except ImportError:  # the concordance module is not installed: WIPO fields only
        return wipo, industries
    scheme = load_params().industry_scheme
    seen: dict[str, tuple[Any, list[str]]] = {}
    for code, refs in industries_for_ipc(codes, scheme=scheme).items():
        for ref in refs:
            seen.setdefault(ref.code, (ref, []))[1].append(code)
    industries = [
        Industry(scheme=scheme, code=ref.code, name=ref.name(language), subclasses=tuple(subs))
        for ref, subs in seen.values()
    ]
    return wipo, industries


def suggest(*, actor: Any, text: str, language: str = "zh-hans") -> Suggestion:
    """IPC subclasses for a text with confidence and titles, and the industries of the suggested set.
    Open to members of approved organisations (like the patent data it learns from)."""
    if not is_member_of_active(actor):
        raise deny(actor, "suggest IPC subclasses")
    rows = suggest_many([text])[0]
    titles = ipc_titles_of([s.code for s in rows], language)
    subclasses = [
        SuggestedSubclass(
            code=s.code, confidence=s.confidence, suggested=s.suggested, title=titles.get(s.code, "")
        )
        for s in rows
    ]
    wipo, industries = industries_of([s.code for s in subclasses if s.suggested], language)
    return Suggestion(
        subclasses=subclasses, technology_fields=wipo, industries=industries, model=store.read_meta() or {}
    )
