"""Applicant (申请人/专利权人) names: which raw strings name the same real applicant (pure functions, no database).

Three forms of a name
    *raw*      what the export or gazette says: ``华为技术有限公司；``, ``ＸＥＲＯＸ  Corp.``
    *display*  `clean_name`: full-width ASCII made half-width, brackets of Chinese names written （）,
               whitespace collapsed, trailing punctuation dropped. Nothing that could change the meaning.
    *key*      `name_key`: the matching key. Two names with the same key are taken to be the same applicant.
               Not for display.

What the key ignores
    Both scripts: character width (full-width ↔ half-width) and other Unicode compatibility forms (NFKC),
    letter case, whitespace, punctuation.

    Chinese (any name containing Han, kana or hangul): bracket style and the brackets themselves
    (``（北京）``/``(北京)``/``【北京】``/``北京``), the middle dot of transliterated names, and three
    legal-form differences that do not change the firm:
      * ``有限责任公司`` = ``有限公司`` (the Company Law lets a 有限责任公司 call itself 有限公司);
      * ``（集团）`` = ``集团``;
      * for central state-owned enterprises (names beginning 中国/国家/中华) ``X公司`` = ``X有限公司``: all
        were corporatised by the end of 2017 and only added 有限 (国家电网公司 → 国家电网有限公司).
    It does *not* equate ``股份有限公司`` with ``有限公司``, ``集团有限公司`` with ``有限公司``, or (other)
    ``公司`` with ``有限公司``. Measured on the gazette of 2019-07-09 (``bench/RESULTS.md``): of the 4 pairs
    the first rule would add, one joins two different firms (意法半导体有限公司, France, and
    意法半导体股份有限公司, Italy); of the 2 pairs of the second, one joins a group parent in Beijing and a
    company in Tianjin. An operator can merge such pairs by hand; the key stays conservative.
    Everything else — every character of the name — counts: ``北京大学`` ≠ ``北京交通大学``,
    ``华为技术有限公司`` ≠ ``华为终端有限公司``, ``X有限公司`` ≠ ``X有限公司北京分公司``,
    ``深圳市X有限公司`` ≠ ``惠州市X有限公司``. Traditional and simplified characters are not unified.

    Latin script: accents, ``&`` vs ``and``, a leading ``The``, where words are split
    (``Hewlett-Packard`` = ``HewlettPackard``), a few unambiguous abbreviations (``Univ.``, ``Mfg.``,
    ``Intl.``, ``Labs``, …), the governing body of a university (``The Regents of the University of
    California`` = ``University of California``), and legal-form words at the end (``Inc.``, ``Corp.``,
    ``Co., Ltd.``, ``LLC``, ``GmbH & Co. KG``, ``AG``, ``S.A.``, ``N.V.``, ``KK``/``Kabushiki Kaisha``, …;
    also a leading ``Kabushiki Kaisha``), including a long legal-form word misspelt by one letter
    (``Corporatoin``, ``Comapny``). So ``Motorola GmbH`` = ``Motorola, Inc.``: one firm name, one applicant,
    even where the legal entities differ. Other typos are *not* forgiven: a key is a key, fuzzy matching is
    a different tool.

`explain_match` lists, in English, the normalisations that make two names meet, for the operator who
accepts or refuses a merge. `applicant_type` classifies a name by its head word (Chinese names end with
what they are: ``…大学``, ``…研究所``, ``…有限公司``, ``…局``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Final

__all__ = [
    "ApplicantType",
    "applicant_type",
    "clean_name",
    "explain_match",
    "name_key",
    "split_applicants",
]


class ApplicantType(StrEnum):
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    INDIVIDUAL = "individual"
    GOVERNMENT = "government"
    OTHER = "other"


# --------------------------------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------------------------------

_CJK_RE: Final = re.compile(
    r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
_WS_RE: Final = re.compile(r"\s+")
# Full-width ASCII block U+FF01–U+FF5E and the ideographic space.
_FULLWIDTH_RE: Final = re.compile(r"[\uff01-\uff5e\u3000]")
_FULLWIDTH_TABLE: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_OPEN_BRACKETS: Final = "(（[［【〔〖〘"
_CLOSE_BRACKETS: Final = ")）]］】〕〗〙"
_BRACKETS: Final = _OPEN_BRACKETS + _CLOSE_BRACKETS
_TO_CN_BRACKETS: Final = str.maketrans(
    {**dict.fromkeys(_OPEN_BRACKETS, "（"), **dict.fromkeys(_CLOSE_BRACKETS, "）")}
)
_MIDDLE_DOTS: Final = "·•‧・･∙⋅"
# Separator artefact of the GB18030 gazette export: ``陆延军;??周刚``.
_ARTEFACT_RE: Final = re.compile(r"^[?\uff1f\ufffd]+|[?\uff1f\ufffd]{2,}$")
# Punctuation that may end a raw name by accident (never a closing bracket).
_TRAILING_PUNCT: Final = ";；,，、。.:：!！?？\ufffd·-—_/\\|'\"“”‘’`~*#"
_LEADING_PUNCT: Final = ";；,，、。.:：!！?？\ufffd·-—_/\\|*#"


def _has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


# --------------------------------------------------------------------------------------------------
# split_applicants
# --------------------------------------------------------------------------------------------------

_SEMICOLON_RE: Final = re.compile(r"[;；]")


def split_applicants(raw: str) -> list[str]:
    """The applicants of one record, in order: ``"A;B"``, ``"A；B"``, ``"A;??B"`` (gazette artefact).

    English lists joined with commas are split too, but a comma inside one name is kept:
    ``Motorola, Inc.``, ``Nissan Motor Co., Ltd.``, ``The United States of America, as represented by …``,
    ``Smith, John``. Chinese names are never split on commas.
    """
    if not raw:
        return []
    parts: list[str] = []
    for chunk in _SEMICOLON_RE.split(raw):
        text = _ARTEFACT_RE.sub("", chunk.strip()).strip()
        if not text:
            continue
        if ("," in text or "，" in text) and not _has_cjk(text):
            parts.extend(_split_english_commas(text))
        else:
            parts.append(text)
    return [part for part in parts if part.strip(_TRAILING_PUNCT + " ")]


def _split_english_commas(text: str) -> list[str]:
    """Split on commas only when every piece is a whole name on its own.

    A piece is whole when it ends with a legal form (``Siemens AG, Robert Bosch GmbH``) or reads as a
    person (``Genevieve I. Hanscom, Robert Magnuson``). Commas inside one organisation name (``Utah State
    University, Office of Technology Commercialization``, ``The Regents of the University of California,
    San Diego``, ``Smith, John``) are far more common in the wild, so anything else stays whole.
    """
    segments: list[str] = []
    for seg in re.split(r"[,，]", text):
        seg = seg.strip()
        words = _latin_tokens(seg)
        if segments and (not words or words[0] in _SUFFIX_WORDS):
            segments[-1] += ", " + seg if seg else ","
        else:
            segments.append(seg)
    if len(segments) < 2:
        return [text]
    for seg in segments:
        words = _latin_tokens(seg)
        if len(words) < 2 or not (words[-1] in _SUFFIX_WORDS or _en_is_person(seg, words)):
            return [text]
    return segments


# --------------------------------------------------------------------------------------------------
# clean_name
# --------------------------------------------------------------------------------------------------

_ABBREV_END_RE: Final = re.compile(r"(?:\b[A-Za-z]{1,5}|\b(?:[A-Za-z]\.)+[A-Za-z])\.$")
_SPACE_NEAR_CJK_RE: Final = re.compile(
    r"(?<=[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff08\uff09])\s+"
    r"|\s+(?=[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff08\uff09])"
)


def clean_name(raw: str) -> str:
    """Display form: ``ＸＥＲＯＸ  Corp.`` → ``XEROX Corp.``, ``华为技术(深圳)有限公司；`` → ``华为技术（深圳）有限公司``."""
    text = raw.translate(_FULLWIDTH_TABLE)
    text = _ARTEFACT_RE.sub("", text.strip())
    text = _WS_RE.sub(" ", text).strip()
    if _has_cjk(text):
        text = text.translate(_TO_CN_BRACKETS)
        text = _SPACE_NEAR_CJK_RE.sub("", text)
    text = text.lstrip(_LEADING_PUNCT + " ")
    while text and text[-1] in _TRAILING_PUNCT:
        if text[-1] == "." and _ABBREV_END_RE.search(text):
            break  # "Inc." / "Co." / "S.A." keep their full stop
        text = text[:-1].rstrip()
    return text


# --------------------------------------------------------------------------------------------------
# name_key: a pipeline of small steps, each reporting what it did (for explain_match)
# --------------------------------------------------------------------------------------------------

# A step takes the current form and, when `notes` is not None, appends a human-readable line per change.
_Step = Callable[[str, list[str] | None], str]


def _step_width(text: str, notes: list[str] | None) -> str:
    out = unicodedata.normalize("NFKC", text)
    if notes is not None and out != text:
        if _FULLWIDTH_RE.search(text):
            notes.append("full-width to half-width")
        if unicodedata.normalize("NFKC", text.translate(_FULLWIDTH_TABLE)) != text.translate(
            _FULLWIDTH_TABLE
        ):
            notes.append("Unicode compatibility forms (NFKC)")
    return out


def _step_case(text: str, notes: list[str] | None) -> str:
    out = text.casefold()
    if notes is not None and out != text:
        notes.append("letter case ignored")
    return out


# ---- Chinese branch -------------------------------------------------------------------------------

_GROUP_IN_BRACKETS_RE: Final = re.compile(r"[(\[【〔〖](集团|集團)[)\]】〕〗]")


def _step_cn_brackets(text: str, notes: list[str] | None) -> str:
    out = _GROUP_IN_BRACKETS_RE.sub(r"\1", text)
    if notes is not None and out != text:
        notes.append("(集团) → 集团")
    stripped = "".join(ch for ch in out if ch not in _BRACKETS)
    if notes is not None and stripped != out:
        kinds = sorted({_BRACKET_PAIR_NAME[ch] for ch in out if ch in _BRACKET_PAIR_NAME})
        notes.append("brackets ignored: " + " ".join(kinds))
    return stripped


_BRACKET_PAIR_NAME: Final = {
    "(": "()",
    ")": "()",
    "（": "（）",
    "）": "（）",
    "[": "[]",
    "]": "[]",
    "［": "[]",
    "］": "[]",
    "【": "【】",
    "】": "【】",
    "〔": "〔〕",
    "〕": "〔〕",
    "〖": "〖〗",
    "〗": "〖〗",
    "〘": "〘〙",
    "〙": "〘〙",
}


def _step_cn_strip(text: str, notes: list[str] | None) -> str:
    out = "".join(ch for ch in text if ch.isalnum())
    if notes is not None and out != text:
        dropped = {ch for ch in text if not ch.isalnum()}
        if any(ch.isspace() for ch in dropped):
            notes.append("whitespace ignored")
        if any(ch in _MIDDLE_DOTS for ch in dropped):
            notes.append("middle dot ignored")
        if any(not ch.isspace() and ch not in _MIDDLE_DOTS for ch in dropped):
            notes.append("punctuation ignored")
    return out


# Legal-form spellings that name the same legal form. Applied anywhere in the name (branches too:
# 广西电网有限责任公司玉林供电局 = 广西电网有限公司玉林供电局).
_CN_SUFFIX_EQUIV: Final[tuple[tuple[str, str], ...]] = (
    ("有限责任公司", "有限公司"),
    ("有限責任公司", "有限公司"),
)


# Central state-owned enterprises registered as 全民所有制 "X公司"/"X集团公司" were all turned into companies
# by the end of 2017 and renamed "X有限公司"/"X集团有限公司" (国家电网公司 → 国家电网有限公司, 中国石油天然气集团公司
# → 中国石油天然气集团有限公司). Only names of central SOEs (中国…/国家…/中华…) are read this way.
_CN_SOE_RE: Final = re.compile(
    r"^((?:中国|国家|中华|中國|國家|中華)(?:(?!公司).)*)(?<!有限)(?<!股份)(?<![总總分])公司"
)


def _step_cn_legal_form(text: str, notes: list[str] | None) -> str:
    out = text
    for variant, canonical in _CN_SUFFIX_EQUIV:
        if variant in out:
            out = out.replace(variant, canonical)
            if notes is not None:
                notes.append(f"suffix {variant} → {canonical}")
    soe = _CN_SOE_RE.sub(r"\1有限公司", out, count=1)
    if soe != out:
        if notes is not None:
            notes.append("central-SOE corporatisation (2017): 公司 → 有限公司")
        out = soe
    return out


_CN_STEPS: Final[tuple[_Step, ...]] = (
    _step_width,
    _step_case,
    _step_cn_brackets,
    _step_cn_strip,
    _step_cn_legal_form,
)


# ---- Latin branch ---------------------------------------------------------------------------------


def _step_accents(text: str, notes: list[str] | None) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    out = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))
    if notes is not None and out != text:
        notes.append("accents removed")
    return out


_AMP_RE: Final = re.compile(r"\s*&\s*")


def _step_ampersand(text: str, notes: list[str] | None) -> str:
    if "&" not in text:
        return text
    if notes is not None:
        notes.append("'&' read as 'and'")
    return _AMP_RE.sub(" and ", text)


_JOINING_PUNCT_RE: Final = re.compile(r"[.'’`´]")
_NON_WORD_RE: Final = re.compile(r"[\W_]+")


def _latin_tokens(text: str) -> list[str]:
    """Lower-case word tokens; full stops and apostrophes join (``S.A.`` → ``sa``, ``Macy's`` → ``macys``)."""
    return _NON_WORD_RE.sub(" ", _JOINING_PUNCT_RE.sub("", text.casefold())).split()


def _step_punct(text: str, notes: list[str] | None) -> str:
    out = _WS_RE.sub(" ", _NON_WORD_RE.sub(" ", _JOINING_PUNCT_RE.sub("", text))).strip()
    if notes is not None and out != text:
        if _WS_RE.sub("", out) != _WS_RE.sub("", text):
            notes.append("punctuation ignored")
        else:
            notes.append("whitespace ignored")
    return out


def _step_leading_the(text: str, notes: list[str] | None) -> str:
    if text.startswith("the ") and len(text) > 4:
        if notes is not None:
            notes.append("leading 'The' dropped")
        return text[4:]
    return text


# Legal-form words and phrases (token sequences after `_latin_tokens`), dropped from the end of a name.
_LEGAL_SUFFIXES: Final[frozenset[tuple[str, ...]]] = frozenset(
    tuple(phrase.split())
    for phrase in (
        # English
        "inc",
        "incorporated",
        "incorporation",
        "corp",
        "corporation",
        "co",
        "company",
        "cos",
        "ltd",
        "ltda",
        "limited",
        "llc",
        "l l c",
        "plc",
        "p l c",
        "lp",
        "llp",
        "pllc",
        "and co",
        "pty",
        "pte",
        "bhd",
        "sdn bhd",
        # German / Austrian / Swiss
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "kgaa",
        "ohg",
        "ev",
        "e v",
        "aktiengesellschaft",
        "kommanditgesellschaft",
        "kommanditgesellschaft auf aktien",
        "gesellschaft mit beschrankter haftung",
        "gesellschaft mbh",
        # French / Spanish / Italian / Portuguese
        "sa",
        "s a",
        "sas",
        "sarl",
        "sca",
        "societe anonyme",
        "sociedad anonima",
        "spa",
        "s p a",
        "srl",
        "s r l",
        "sl",
        "de cv",
        "sa de cv",
        "cv",
        # Benelux / Nordic
        "nv",
        "n v",
        "bv",
        "b v",
        "naamloze vennootschap",
        "besloten vennootschap",
        "ab",
        "aktiebolag",
        "aktiebolaget",
        "publ",
        "oy",
        "oyj",
        "as",
        "a s",
        "asa",
        "aps",
        # Japanese
        "kk",
        "k k",
        "kabushiki kaisha",
        "kabushiki",
        "kabushikikaisha",
        "kabushiki gaisha",
        "kabushikigaisha",
        "yugen kaisha",
        "godo kaisha",
    )
)
_MAX_SUFFIX_LEN: Final = max(len(phrase) for phrase in _LEGAL_SUFFIXES)
_SUFFIX_WORDS: Final = frozenset(word for phrase in _LEGAL_SUFFIXES for word in phrase)
# Long legal-form words whose one-letter misspellings ("Corporatoin", "Comapny", "Limted") are common and
# cannot be another word.
_TYPO_TOLERANT_SUFFIXES: Final = (
    "corporation",
    "company",
    "incorporated",
    "limited",
    "kaisha",
    "kabushiki",
    "aktiengesellschaft",
)
_LEADING_LEGAL: Final[tuple[tuple[str, ...], ...]] = (
    ("kabushiki", "kaisha"),
    ("kabushikikaisha",),
    ("kabushiki", "gaisha"),
    ("aktiebolaget",),
)


def _within_one_edit(word: str, target: str) -> bool:
    """Levenshtein distance ≤ 1 or one adjacent transposition."""
    if word == target:
        return True
    lw, lt = len(word), len(target)
    if abs(lw - lt) > 1:
        return False
    if lw == lt:
        diffs = [i for i in range(lw) if word[i] != target[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and word[diffs[0]] == target[diffs[1]]
            and word[diffs[1]] == target[diffs[0]]
        )
    short, long_ = (word, target) if lw < lt else (target, word)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _misspelt_suffix(word: str) -> str | None:
    if len(word) < 6 or not word.isalpha():
        return None
    for target in _TYPO_TOLERANT_SUFFIXES:
        if _within_one_edit(word, target):
            return target
    return None


def _step_legal_suffixes(text: str, notes: list[str] | None) -> str:
    tokens = text.split()
    changed = False
    for lead in _LEADING_LEGAL:
        n = len(lead)
        if len(tokens) > n and tuple(tokens[:n]) == lead:
            if notes is not None:
                notes.append(f"legal form '{' '.join(lead)}' dropped")
            tokens = tokens[n:]
            changed = True
            break
    while len(tokens) > 1:
        for n in range(min(_MAX_SUFFIX_LEN, len(tokens) - 1), 0, -1):
            tail = tuple(tokens[-n:])
            if tail in _LEGAL_SUFFIXES:
                if notes is not None:
                    notes.append(f"legal suffix '{' '.join(tail)}' dropped")
                del tokens[-n:]
                changed = True
                break
        else:
            target = _misspelt_suffix(tokens[-1])
            if target is None:
                break
            if notes is not None:
                notes.append(f"misspelt legal suffix '{tokens[-1]}' (≈ '{target}') dropped")
            del tokens[-1]
            changed = True
    return " ".join(tokens) if changed else text


_ABBREVIATIONS: Final = {
    "univ": "university",
    "mfg": "manufacturing",
    "intl": "international",
    "natl": "national",
    "assn": "association",
    "dept": "department",
    "inst": "institute",
    "lab": "laboratory",
    "labs": "laboratories",
    "bros": "brothers",
    "ctr": "center",
}


def _step_abbreviations(text: str, notes: list[str] | None) -> str:
    tokens = text.split()
    out = [_ABBREVIATIONS.get(t, t) for t in tokens]
    if out == tokens:
        return text
    if notes is not None:
        for t in dict.fromkeys(t for t in tokens if t in _ABBREVIATIONS):
            notes.append(f"abbreviation '{t}' → '{_ABBREVIATIONS[t]}'")
    return " ".join(out)


_GOVERNING_RE: Final = re.compile(
    r"^(?:the )?(?:board of )?(?:regents|regent|trustees|governors|curators|visitors|supervisors|president and fellows)"
    r" (?:of |for )?(?:the )?(?=.*\b(?:university|college)\b)"
)


def _step_governing_body(text: str, notes: list[str] | None) -> str:
    match = _GOVERNING_RE.match(text)
    if match is None or match.end() == len(text):
        return text
    if notes is not None:
        notes.append(f"governing body '{match.group().strip()}' dropped")
    return text[match.end() :]


def _step_join(text: str, notes: list[str] | None) -> str:
    out = text.replace(" ", "")
    if notes is not None and out != text:
        notes.append("word spacing ignored")
    return out


_LATIN_STEPS: Final[tuple[_Step, ...]] = (
    _step_width,
    _step_accents,
    _step_case,
    _step_ampersand,
    _step_punct,
    _step_leading_the,
    _step_abbreviations,
    _step_governing_body,
    _step_legal_suffixes,
    _step_join,
)


def _steps_for(raw: str) -> tuple[_Step, ...]:
    return _CN_STEPS if _has_cjk(unicodedata.normalize("NFKC", raw)) else _LATIN_STEPS


def name_key(raw: str) -> str:
    """The matching key: names with the same key are the same applicant. ``""`` for a name with no letters."""
    text = raw
    for step in _steps_for(raw):
        text = step(text, None)
    return text


# --------------------------------------------------------------------------------------------------
# explain_match
# --------------------------------------------------------------------------------------------------


def _trace(raw: str) -> list[tuple[str, list[str]]]:
    """The form after each step, with the notes of that step."""
    out: list[tuple[str, list[str]]] = []
    text = raw
    for step in _steps_for(raw):
        notes: list[str] = []
        text = step(text, notes)
        out.append((text, notes))
    return out


def explain_match(a: str, b: str) -> list[str]:
    """Why `a` and `b` get the same key, step by step; ``[]`` when the keys differ (or are empty).

    A step is cited when it brings the two names closer (the edit distance between the two forms drops),
    or when it changed one name only and the keys would differ without it. A step that changes both names
    alike — both upper case, both ending in ``Ltd.`` — is no evidence.
    """
    key_a, key_b = name_key(a), name_key(b)
    if key_a != key_b or not key_a:
        return []
    if a == b:
        return ["identical"]
    steps = _steps_for(a)
    if steps is not _steps_for(b):  # pragma: no cover - keys of different scripts never meet
        return []
    trace_a, trace_b = _trace(a), _trace(b)
    evidence: list[str] = []
    loose: list[str] = []
    before_a, before_b = a, b
    distance = _edit_distance(a, b)
    for index, ((after_a, notes_a), (after_b, notes_b)) in enumerate(zip(trace_a, trace_b, strict=True)):
        changed_a, changed_b = after_a != before_a, after_b != before_b
        if before_a != before_b and (changed_a or changed_b):
            loose.extend(notes_a + notes_b)
            new_distance = _edit_distance(after_a, after_b)
            if new_distance < distance or (changed_a != changed_b and _needed(steps, index, a, b)):
                evidence.extend(notes_a + notes_b)
            distance = new_distance
        before_a, before_b = after_a, after_b
    return _dedupe(evidence or loose)


def _needed(steps: tuple[_Step, ...], index: int, a: str, b: str) -> bool:
    """Would the keys of `a` and `b` differ without step `index`?"""

    def key_without(text: str) -> str:
        for i, step in enumerate(steps):
            if i != index:
                text = step(text, None)
        return text

    return key_without(a) != key_without(b)


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings: names)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------------------------------
# applicant_type
# --------------------------------------------------------------------------------------------------

_T = ApplicantType

# Chinese head words. The type of a name is the type of the keyword that ends last (Chinese names are
# head-final: 上海交通大学医学院附属瑞金医院 is a hospital); on a tie the longer keyword wins
# (经营部 over 部). Traditional forms are listed next to simplified ones.
_CN_KEYWORDS: Final[dict[str, ApplicantType]] = {
    # universities and colleges
    **dict.fromkeys(
        [
            "大学",
            "大學",
            "学院",
            "學院",
            "研究生院",
            "专科学校",
            "專科學校",
            "高等学校",
            "高等專科學校",
            "党校",
            "大学托管委员会",
            "科学技术院",
            "大学董事会",
            "大学理事会",
        ],
        _T.UNIVERSITY,
    ),
    # research institutes
    **dict.fromkeys(
        [
            "研究所",
            "研究院",
            "研究总院",
            "研究中心",
            "研究室",
            "科学院",
            "科學院",
            "工程院",
            "实验室",
            "實驗室",
            "设计院",
            "設計院",
            "设计研究院",
            "勘察设计院",
            "工程中心",
            "技术中心",
            "技術中心",
            "检测中心",
            "检验中心",
            "测试中心",
            "试验中心",
            "实验中心",
            "监测中心",
            "计量院",
            "计量所",
            "检验所",
            "检测所",
            "测试所",
            "试验所",
            "设计所",
            "天文台",
            "研发中心",
            "科学中心",
            "研究教育中心",
            "研究促进协会",
            "科学促进学会",
            "弗劳恩霍夫",
            "研究设计中心",
            "设计研究中心",
            "创新中心",
            "调查中心",
            "调查院",
            "勘查院",
            "勘察院",
            "检验院",
            "检测院",
            "试验站",
            "实验站",
            "观测站",
            "试验场",
        ],
        _T.INSTITUTE,
    ),
    # enterprises
    **dict.fromkeys(
        [
            "公司",
            "厂",
            "廠",
            "集团",
            "集團",
            "株式会社",
            "株式會社",
            "会社",
            "會社",
            "企业",
            "企業",
            "商行",
            "商号",
            "经营部",
            "經營部",
            "门市部",
            "服务部",
            "营业部",
            "销售部",
            "工作室",
            "合作社",
            "事务所",
            "事務所",
            "商店",
            "商场",
            "超市",
            "店",
            "农场",
            "养殖场",
            "牧场",
            "林场",
            "矿",
            "煤矿",
            "银行",
            "銀行",
            "酒店",
            "宾馆",
            "有限合伙",
            "合伙企业",
            "个体工商户",
            "车间",
            "作坊",
            "加工场",
            "工场",
            "工坊",
            "控股",
            "加油站",
            "实业",
            "制作所",
            "製作所",
            "经销处",
            "经营处",
        ],
        _T.ENTERPRISE,
    ),
    # government and its offices, the armed forces
    **dict.fromkeys(
        [
            "局",
            "委员会",
            "委員會",
            "政府",
            "人民政府",
            "厅",
            "廳",
            "部",
            "署",
            "办公室",
            "辦公室",
            "办事处",
            "管理处",
            "管理站",
            "管理所",
            "处",
            "站",
            "海关",
            "海關",
            "法院",
            "检察院",
            "公安",
            "派出所",
            "部队",
            "部隊",
            "军区",
            "武警",
            "监狱",
            "大队",
            "支队",
            "中队",
            "街道",
            "村民委员会",
            "居民委员会",
            "监督所",
        ],
        _T.GOVERNMENT,
    ),
    # organisations of other kinds: hospitals, schools, associations, foundations, media
    **dict.fromkeys(
        [
            "医院",
            "醫院",
            "卫生院",
            "保健院",
            "防治院",
            "防治所",
            "疗养院",
            "敬老院",
            "养老院",
            "诊所",
            "门诊部",
            "卫生所",
            "卫生室",
            "医疗中心",
            "中学",
            "中學",
            "小学",
            "小學",
            "学校",
            "學校",
            "幼儿园",
            "协会",
            "協會",
            "学会",
            "學會",
            "研究会",
            "联合会",
            "商会",
            "促进会",
            "基金会",
            "基金會",
            "俱乐部",
            "联盟",
            "中心",
            "博物馆",
            "图书馆",
            "纪念馆",
            "馆",
            "电视台",
            "电台",
            "报社",
            "出版社",
            "杂志社",
            "寺",
            "教会",
            "研究會",
            "院",
            "所",
            "社",
        ],
        _T.OTHER,
    ),
}
# Single characters count as head words only at the very end. 会 is none (common in given names: 刘会学);
# the organisations ending in it are 协会/学会/委员会/… .
_CN_END_ONLY: Final = frozenset({"院", "所", "社", "馆", "站", "处", "部", "局", "店", "厅", "署", "寺"})
_CN_KEYWORD_RE: Final = re.compile(
    "|".join(
        re.escape(k)
        for k in sorted((k for k in _CN_KEYWORDS if k not in _CN_END_ONLY), key=len, reverse=True)
    )
)

# Common Chinese family names (百家姓 and the most frequent modern ones), single and compound.
_CN_SURNAMES_1: Final = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花方俞"
    "任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏"
    "成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪"
    "干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯"
    "宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥能苍双闻"
    "莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡"
    "步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖"
    "益桓公岳帅缑亢况郈有琴商牟佘佴伯赏墨哈谯笪年爱阳佟言福付闫覃粟谌邸揭冼鄢兰晋綦邝麦植区练揭冯楚钞校候肖仝占郄隋阿"
    "代母巴原来信鲜折麻达门由户鞠迟战衣初菅逢弭靖栗伦生苑银谷郎涂税斯续鹿展字宋貟淡仉过禹滕旷候苟贲米阴敬蹇卿雒檀荣"
    "丘揣位官尧朴玄奇表延片邓晏冶贠禤崇操庹楼汝渠漆磨禚种芦问丛豆才亓具及戢楠赫但奉茆羌裵冒恽忻矫琚归刚"
    # first characters of frequent Japanese family names (佐藤, 铃木, 小林, 渡边, 大野, 三浦, 上田, 中村, …)
    "佐铃鈴渡伊加清森池桥橋冈岡长長后後近村远遠青坂斋齋太西三竹内柴酒工横宫宮丸今河杉增増久千岩樱櫻野菊新"
    "上下北南前原服荒川永浅望细細土矢堀奥寺本宇泽澤沢菅滨濱浜稻稲若岸船筱篠星根岛島与辻真二一八市日黑黒早熊鹤鶴"
    "饭飯小大中"
)
_CN_SURNAMES_2: Final = frozenset(
    [
        "万俟",
        "司马",
        "上官",
        "欧阳",
        "夏侯",
        "诸葛",
        "闻人",
        "东方",
        "赫连",
        "皇甫",
        "尉迟",
        "公羊",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "太叔",
        "申屠",
        "公孙",
        "仲孙",
        "轩辕",
        "令狐",
        "钟离",
        "宇文",
        "长孙",
        "慕容",
        "鲜于",
        "闾丘",
        "司徒",
        "司空",
        "亓官",
        "司寇",
        "子车",
        "颛孙",
        "端木",
        "巫马",
        "公西",
        "漆雕",
        "乐正",
        "壤驷",
        "公良",
        "拓跋",
        "夹谷",
        "宰父",
        "谷梁",
        "段干",
        "百里",
        "东郭",
        "南门",
        "呼延",
        "归海",
        "羊舌",
        "微生",
        "梁丘",
        "左丘",
        "东门",
        "西门",
        "南宫",
        "第五",
    ]
)
_CN_PERSONAL_RE: Final = re.compile(r"[\u4e00-\u9fff]{2,4}")
# Transliterated foreign personal names: 罗伊·沙夫维, U·西格尔, A.尚穆加孙达拉姆.
_CN_FOREIGN_PERSON_RE: Final = re.compile(
    r"(?:[\u4e00-\u9fffA-Za-z]{1,12}[·•‧・･.．\-] ?)+[\u4e00-\u9fff]{1,12}(?:[·•‧・･.．\-] ?[\u4e00-\u9fffA-Za-z]{1,12})*"
)


_CN_PARENT_WORDS_RE: Final = re.compile(r"公司|集团|集團|株式会社|株式會社")
_CN_BRANCH_RE: Final = re.compile(r"分(?:公司|厂|所|院|部|中心|站|局|会|社|馆|行|店|处)$")
_CN_BRACKETED_RE: Final = re.compile(r"[(（\[［【〔〖][^()（）\[\]［］【】〔〕〖〗]*[)）\]］】〕〗]")


def _cn_head(text: str) -> tuple[ApplicantType, str] | None:
    """Type of the head word of a compact Chinese name, and that word."""
    best: tuple[int, int, str] | None = None
    for match in _CN_KEYWORD_RE.finditer(text):
        cand = (match.end(), len(match.group()), match.group())
        if best is None or cand[:2] > best[:2]:
            best = cand
    # finditer does not see overlapping words (研究院 then 院 at the end): try the tails too.
    for length in range(min(9, len(text)), 0, -1):
        if text[-length:] in _CN_KEYWORDS:
            cand = (len(text), length, text[-length:])
            if best is None or cand[:2] > best[:2]:
                best = cand
            break
    if best is None:
        return None
    end, _, word = best
    kind = _CN_KEYWORDS[word]
    # 广西电网有限责任公司玉林供电局, 国网湖南省电力公司计量中心, 株式会社村田制作所: a unit of an enterprise
    # is an enterprise.
    weak_head = kind is _T.GOVERNMENT or (kind is _T.OTHER and (len(word) == 1 or word == "中心"))
    if end == len(text) and weak_head and _CN_PARENT_WORDS_RE.search(text[: end - len(word)]):
        return _T.ENTERPRISE, word
    return kind, word


def _cn_type(text: str) -> ApplicantType | None:
    """Type of a Chinese name from its words; None when it has no organisation word."""
    compact = "".join(ch for ch in text.casefold() if not ch.isspace())
    # The head is outside brackets: 广东省人民医院（广东省医学科学院）, 匠人之心（北京）产品设计有限公司.
    unbracketed = _CN_BRACKETED_RE.sub("", compact)
    compact = "".join(ch for ch in (unbracketed or compact) if ch not in _BRACKETS)
    # A branch (…分公司, …昆山分所) is of its parent's type.
    branch = _CN_BRANCH_RE.search(compact)
    if branch is not None and branch.start() > 0:
        parent = _cn_head(compact[: branch.start()])
        if parent is not None and parent[0] is not _T.OTHER:
            return parent[0]
    head = _cn_head(compact)
    if head is None:
        return None
    kind, word = head
    # 丁建社, 王中站: a surname and a given name that happens to end in a one-character head word.
    if (
        len(word) == 1
        and _cn_is_person(compact)
        and len(compact) <= (4 if compact[:2] in _CN_SURNAMES_2 else 3)
    ):
        return _T.INDIVIDUAL
    return kind


def _cn_is_person(text: str) -> bool:
    if _CN_PERSONAL_RE.fullmatch(text):
        return text[0] in _CN_SURNAMES_1 or text[:2] in _CN_SURNAMES_2
    return _CN_FOREIGN_PERSON_RE.fullmatch(text) is not None and len(text) <= 24


# ---- English --------------------------------------------------------------------------------------

_EN_LEGAL_ANYWHERE: Final = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "company",
        "co",
        "ltd",
        "limited",
        "llc",
        "plc",
        "gmbh",
        "mbh",
        "kabushiki",
        "kaisha",
        "kabushikikaisha",
        "aktiengesellschaft",
        "aktiebolag",
        "aktiebolaget",
        "kgaa",
        "sarl",
        "ltda",
        "bhd",
        "pty",
        "pte",
        "llp",
        "spa",
        "srl",
        "societe",
        "sociedad",
        "kk",
    }
)
_EN_LEGAL_AT_END: Final = frozenset(
    {"ag", "sa", "nv", "bv", "kg", "ab", "oy", "oyj", "lp", "as", "asa", "aps", "sas", "se", "cv"}
)
_EN_UNIVERSITY: Final = frozenset(
    {
        "university",
        "universities",
        "univ",
        "college",
        "universitat",
        "universite",
        "universidad",
        "universidade",
        "universita",
        "universiteit",
        "universitet",
        "uniwersytet",
        "univerza",
        "hochschule",
        "polytechnic",
        "politecnico",
    }
)
_EN_UNIVERSITY_PHRASES: Final = ("institute of technology", "school of medicine", "ecole polytechnique")
_EN_GOVERNMENT: Final = frozenset(
    {
        "ministry",
        "ministere",
        "ministerium",
        "government",
        "secretary",
        "department",
        "administration",
        "commissariat",
        "bundesrepublik",
        "majesty",
        "minister",
        "municipality",
    }
)
_EN_GOVERNMENT_PHRASES: Final = (
    "represented by",
    "united states of america",
    "state of",
    "city of",
    "county of",
    "republic of",
    "commonwealth of",
    "kingdom of",
)
_EN_INSTITUTE: Final = frozenset(
    {
        "institute",
        "institut",
        "instituto",
        "istituto",
        "laboratory",
        "laboratories",
        "lab",
        "labs",
        "research",
        "recherche",
        "forschung",
        "academy",
        "academia",
        "akademie",
        "fraunhofer",
        "centre",
        "center",
        "observatory",
    }
)
_EN_ENTERPRISE_WORDS: Final = frozenset(
    {
        "industries",
        "industry",
        "industrial",
        "technologies",
        "technology",
        "systems",
        "holdings",
        "holding",
        "group",
        "enterprises",
        "manufacturing",
        "mfg",
        "electronics",
        "electric",
        "motors",
        "chemical",
        "chemicals",
        "pharmaceuticals",
        "pharmaceutical",
        "products",
        "international",
        "works",
        "werke",
        "partners",
        "ventures",
        "solutions",
        "devices",
        "instruments",
        "machines",
        "bank",
    }
)
_EN_OTHER_ORG: Final = frozenset(
    {
        "foundation",
        "association",
        "society",
        "hospital",
        "clinic",
        "trust",
        "trustees",
        "church",
        "school",
        "museum",
        "board",
        "of",
        "the",
        "and",
        "for",
    }
)
_EN_GIVEN_NAMES: Final = frozenset(
    [
        "james",
        "john",
        "robert",
        "michael",
        "william",
        "david",
        "richard",
        "joseph",
        "thomas",
        "charles",
        "christopher",
        "daniel",
        "matthew",
        "anthony",
        "mark",
        "donald",
        "steven",
        "paul",
        "andrew",
        "joshua",
        "kenneth",
        "kevin",
        "brian",
        "george",
        "timothy",
        "ronald",
        "edward",
        "jason",
        "jeffrey",
        "ryan",
        "jacob",
        "gary",
        "nicholas",
        "eric",
        "jonathan",
        "stephen",
        "larry",
        "justin",
        "scott",
        "brandon",
        "benjamin",
        "samuel",
        "gregory",
        "alexander",
        "frank",
        "patrick",
        "raymond",
        "jack",
        "dennis",
        "jerry",
        "tyler",
        "aaron",
        "jose",
        "adam",
        "nathan",
        "henry",
        "douglas",
        "zachary",
        "peter",
        "kyle",
        "walter",
        "ethan",
        "jeremy",
        "harold",
        "keith",
        "christian",
        "roger",
        "noah",
        "gerald",
        "carl",
        "terry",
        "sean",
        "austin",
        "arthur",
        "lawrence",
        "jesse",
        "dylan",
        "bryan",
        "joe",
        "jordan",
        "billy",
        "bruce",
        "albert",
        "willie",
        "gabriel",
        "logan",
        "alan",
        "juan",
        "wayne",
        "roy",
        "ralph",
        "randy",
        "eugene",
        "vincent",
        "russell",
        "elijah",
        "louis",
        "bobby",
        "philip",
        "johnny",
        "mary",
        "patricia",
        "jennifer",
        "linda",
        "elizabeth",
        "barbara",
        "susan",
        "jessica",
        "sarah",
        "karen",
        "nancy",
        "lisa",
        "betty",
        "margaret",
        "sandra",
        "ashley",
        "kimberly",
        "emily",
        "donna",
        "michelle",
        "dorothy",
        "carol",
        "amanda",
        "melissa",
        "deborah",
        "stephanie",
        "rebecca",
        "sharon",
        "laura",
        "cynthia",
        "kathleen",
        "amy",
        "shirley",
        "angela",
        "helen",
        "anna",
        "brenda",
        "pamela",
        "nicole",
        "emma",
        "samantha",
        "katherine",
        "christine",
        "debra",
        "rachel",
        "catherine",
        "carolyn",
        "janet",
        "ruth",
        "maria",
        "heather",
        "diane",
        "virginia",
        "julie",
        "joyce",
        "victoria",
        "olivia",
        "kelly",
        "christina",
        "lauren",
        "joan",
        "evelyn",
        "judith",
        "megan",
        "cheryl",
        "andrea",
        "hannah",
        "martha",
        "jacqueline",
        "frances",
        "gloria",
        "ann",
        "teresa",
        "kathryn",
        "sara",
        "janice",
        "jean",
        "alice",
        "madison",
        "doris",
        "abigail",
        "julia",
        "judy",
        "grace",
        "denise",
        "amber",
        "marilyn",
        "beverly",
        "danielle",
        "theresa",
        "sophia",
        "marie",
        "diana",
        "brittany",
        "natalie",
        "isabella",
        "charlotte",
        "rose",
        "alexis",
        "kayla",
        "hans",
        "klaus",
        "jurgen",
        "wolfgang",
        "dieter",
        "pierre",
        "jean",
        "jacques",
        "michel",
        "francois",
        "giovanni",
        "giuseppe",
        "marco",
        "luca",
        "carlos",
        "miguel",
        "jorge",
        "luis",
        "pedro",
        "antonio",
    ]
)


def _en_type(name: str) -> ApplicantType:
    tokens = _latin_tokens(unicodedata.normalize("NFKC", name))
    if not tokens:
        return _T.OTHER
    words = set(tokens)
    joined = " ".join(tokens)
    if words & _EN_LEGAL_ANYWHERE or tokens[-1] in _EN_LEGAL_AT_END:
        return _T.ENTERPRISE
    if words & _EN_UNIVERSITY or any(p in joined for p in _EN_UNIVERSITY_PHRASES):
        return _T.UNIVERSITY
    if words & _EN_GOVERNMENT or any(p in joined for p in _EN_GOVERNMENT_PHRASES):
        return _T.GOVERNMENT
    if words & _EN_INSTITUTE:
        return _T.INSTITUTE
    if words & _EN_ENTERPRISE_WORDS:
        return _T.ENTERPRISE
    if _en_is_person(name, tokens):
        return _T.INDIVIDUAL
    return _T.OTHER


_EN_PERSON_RE: Final = re.compile(
    r"(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]\.)(?: (?:[A-Z]\.|[A-Z][a-z]+))*"
    r" (?:(?:Mc|Mac|O'|D'|De|Van|Von|Le|La)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,})(?:,? (?:Jr|Sr|II|III)\.?)?"
)
_EN_PERSON_REVERSED_RE: Final = re.compile(r"[A-Z][a-zA-Z'-]+, [A-Z][a-z]+(?: [A-Z]\.?)?")
_EN_ORG_WORDS: Final = (
    _EN_LEGAL_ANYWHERE
    | _EN_LEGAL_AT_END
    | _EN_UNIVERSITY
    | _EN_GOVERNMENT
    | _EN_INSTITUTE
    | _EN_ENTERPRISE_WORDS
    | _EN_OTHER_ORG
    | _SUFFIX_WORDS
    | frozenset(_ABBREVIATIONS)
    | frozenset(w for v in _ABBREVIATIONS.values() for w in v.split())
)


def _en_is_person(name: str, tokens: list[str]) -> bool:
    """``John A. Smith``, ``J. Smith``, ``Mary Jones``, ``Smith, John``: 2–4 words, no organisation word."""
    if not 2 <= len(tokens) <= 4 or any(len(t) > 1 and t in _EN_ORG_WORDS for t in tokens):
        return False
    text = name.strip()
    if _EN_PERSON_REVERSED_RE.fullmatch(text):
        return True
    if not _EN_PERSON_RE.fullmatch(text):
        return False
    has_initial = any(len(t) == 1 for t in tokens[:-1])
    return tokens[0] in _EN_GIVEN_NAMES or has_initial


def applicant_type(name: str) -> ApplicantType:
    """Enterprise, university, institute, individual, government or other, from the words of the name."""
    text = unicodedata.normalize("NFKC", name).strip()
    if not text:
        return _T.OTHER
    if _has_cjk(text):
        kind = _cn_type(text)
        if kind is not None:
            return kind
        compact = "".join(ch for ch in text if not ch.isspace() and ch not in _BRACKETS)
        if _cn_is_person(compact):
            return _T.INDIVIDUAL
        latin = _en_type(text)  # NVH韩国… has no Chinese head word but may have a Latin one
        return latin if latin is not _T.INDIVIDUAL else _T.OTHER
    return _en_type(text)
