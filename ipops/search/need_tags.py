"""What a technology need is tagged with: the IPC subclasses the suggestion model would tag its text with
(when a model is trained), otherwise the subclasses its matching patents share; then the WIPO technology
fields and the industries of the configured scheme those subclasses lead to. The same tags are shown on the
matching page and saved with the need, where they are what the needs list filters on."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language

from ipops.search import engine
from ipops.search.ipc_suggest import services as ipc_services
from ipops.search.models import IPC_SCHEME, Need, tag_name

PROFILE_MIN_WEIGHT = 0.2  # a subclass the matching patents share with at least this weight
PROFILE_MAX_SUBCLASSES = 5
MATCH_PROFILE_TOP = 30


@dataclass(frozen=True)
class Tag:
    scheme: str
    code: str
    name_zh: str = ""
    name_en: str = ""
    confidence: float | None = None

    def name(self, language: str) -> str:
        return tag_name(self.name_zh, self.name_en, language)

    @property
    def display_name(self) -> str:
        return self.name(get_language() or settings.LANGUAGE_CODE)


@dataclass(frozen=True)
class NeedTags:
    tagged_by: str  # a Need.TaggedBy value
    tags: list[Tag]

    @property
    def ipc(self) -> list[Tag]:
        return [t for t in self.tags if t.scheme == IPC_SCHEME]

    @property
    def industries(self) -> list[Tag]:
        return [t for t in self.tags if t.scheme != IPC_SCHEME]


def profile_subclasses(profile: dict[str, float]) -> list[str]:
    """The subclasses the matching patents share, strongest first (the tags when no model is trained)."""
    ranked = sorted(profile.items(), key=lambda item: -item[1])
    return [code for code, weight in ranked if weight >= PROFILE_MIN_WEIGHT][:PROFILE_MAX_SUBCLASSES]


def need_text(title: str, description: str) -> str:
    title, description = title.strip(), description.strip()
    return description if not title or description.startswith(title) else f"{title}。{description}"


def _suggested(text: str) -> list[tuple[str, float | None]] | None:
    """The model's suggested set for the text, or None when no model is trained (or the text has no words)."""
    try:
        rows = ipc_services.suggest_many([text])[0]
    except (ipc_services.ModelNotTrainedError, ipc_services.SuggestInputError):
        return None
    return [(s.code, s.confidence) for s in rows if s.suggested]


def _matched(text: str, profile: dict[str, float] | None) -> list[tuple[str, float | None]]:
    if profile is None:
        try:
            profile = engine.match(text, top=MATCH_PROFILE_TOP).profile
        except engine.IndexMissingError:
            profile = {}
    return [(code, None) for code in profile_subclasses(profile)]


def tags_for(*, title: str, description: str, profile: dict[str, float] | None = None) -> NeedTags:
    """The tags of a need's text. `profile` is the matching patents' subclass profile when the caller has
    matched the text already (used only when no model is trained)."""
    text = need_text(title, description)
    picked = _suggested(text)
    tagged_by = Need.TaggedBy.IPC_MODEL
    if picked is None:
        picked = _matched(text, profile)
        tagged_by = Need.TaggedBy.MATCHES if picked else Need.TaggedBy.NONE
    codes = [code for code, _confidence in picked]
    titles = {lang: ipc_services.ipc_titles_of(codes, lang) for lang in ("zh-hans", "en")}
    tags = [
        Tag(IPC_SCHEME, code, titles["zh-hans"].get(code, ""), titles["en"].get(code, ""), confidence)
        for code, confidence in picked
    ]
    if codes:
        zh_fields, zh_industries = ipc_services.industries_of(codes, "zh-hans")
        en_fields, en_industries = ipc_services.industries_of(codes, "en")
        for zh, en in zip([*zh_fields, *zh_industries], [*en_fields, *en_industries], strict=True):
            tags.append(Tag(zh.scheme, zh.code, zh.name, en.name))
    return NeedTags(tagged_by=str(tagged_by), tags=tags)
