"""IPC symbols and Locarno design classes as they appear in patent data, parsed into one canonical form.

Pure parsing, no database. Accepted IPC spellings (after Unicode NFKC folding, so full-width letters,
digits, brackets and punctuation count as their ASCII forms, and case is ignored):

- CNIPA style with version and inventive/non-inventive flag: ``E01B3/32(2006.01)I``, ``E01B 3/32 (2006.01) N``
- plain: ``E01B 3/32``, ``E01B3/32``, ``E01B  03/320``; a bare subclass ``E01B``
- WIPO's fixed 14-character form: ``E01B0003320000`` (subclass + 4-digit main group + 6-digit subgroup)
- an optional ``Int.Cl.``/``IPC`` label in front

The canonical form is WIPO's printed one: subclass, one space, main group without leading zeros, ``/``,
subgroup with trailing zeros dropped down to two digits (``E01B 3/32``, ``A61K 31/4015``, ``E01B 3/00``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SECTIONS = "ABCDEFGH"

# One symbol in the printed style: subclass, then optionally main group / subgroup, version, flag.
_PRINTED = (
    r"(?P<section>[A-Z])\s*(?P<klass>\d{2})\s*(?P<subclass>[A-Z])"
    r"(?:\s*(?P<main>\d{1,4})\s*/\s*(?P<sub>\d{1,6}))?"
    r"(?:\s*\(\s*(?P<version>[^()]*?)\s*\)(?:\s*(?P<flag>[A-Z])(?![A-Z0-9]))?)?"
)
# WIPO's fixed-width form; the subgroup digits are left-aligned (``320000`` is ``32``).
_WIPO14 = r"(?P<section>[A-Z])(?P<klass>\d{2})(?P<subclass>[A-Z])(?P<main>\d{4})(?P<sub>\d{6})(?![0-9])"
# A bare section ("E") or class ("E01"): only with partial=True, used for the scheme itself.
_PARTIAL = r"(?P<section>[A-Z])(?:\s*(?P<klass>\d{2}))?"

# re.ASCII: \d is 0-9 only (NFKC has already folded full-width digits; other scripts' digits are refused)
_WIPO14_RE = re.compile(_WIPO14, re.ASCII)
_PRINTED_RE = re.compile(_PRINTED, re.ASCII)
_PARTIAL_RE = re.compile(_PARTIAL + r"$", re.ASCII)
_LABEL_RE = re.compile(r"^(?:INT\.?\s*CL\.?\s*(?:\d+\b)?|IPC)\s*[:.]?\s*", re.ASCII)
_VERSION_RE = re.compile(r"(?P<year>\d{4})\s*\.\s*(?P<month>\d{2})", re.ASCII)
# Between list items: separators, whitespace and the "?" / U+FFFD that lossy re-encoding leaves behind.
_LIST_GAP_RE = re.compile(r"[\s;,、|?\ufffd]*")
_HARD_SEPARATORS = ";,、|"

FLAGS = {"I": True, "N": False}


class IpcError(ValueError):
    """A classification symbol that cannot be read. `code` names the reason, `raw` is the input."""

    def __init__(self, code: str, message: str | Promise, raw: str) -> None:
        super().__init__(code, raw)
        self.code = code
        self.message = message
        self.raw = raw

    def __str__(self) -> str:
        return f"{self.message} ({self.raw!r})"


class LocarnoError(IpcError):
    """A design class (Locarno) that cannot be read."""


MESSAGES: dict[str, Promise] = {
    "empty": _("No classification symbol was given."),
    "section": _("An IPC symbol starts with a section letter from A to H."),
    "format": _("This is not an IPC symbol such as E01B 3/32 or E01B3/32(2006.01)I."),
    "subgroup": _("An IPC subgroup has at least two digits, as in E01B 3/32 or E01B 3/00."),
    "version": _("The IPC version in brackets must be a year and month, such as (2006.01)."),
    "flag": _("After the IPC version only I (inventive) or N (non-inventive) may follow."),
    "locarno": _("This is not a Locarno design class such as 12-08."),
}


def _error(code: str, raw: str) -> IpcError:
    return IpcError(code, MESSAGES[code], raw)


@dataclass(frozen=True)
class IpcCode:
    """One IPC symbol split into its parts: section ``E``, class ``01``, subclass ``B``, main group ``3``,
    subgroup ``32``; ``version`` like ``2006.01`` or empty, ``inventive`` True (I), False (N) or None."""

    section: str
    klass: str
    subclass: str
    main_group: str = ""
    subgroup: str = ""
    version: str = ""
    inventive: bool | None = None

    @property
    def kind(self) -> str:
        """section, class, subclass, main_group or subgroup."""
        if not self.klass:
            return "section"
        if not self.subclass:
            return "class"
        if not self.main_group:
            return "subclass"
        return "main_group" if self.subgroup == "00" else "subgroup"

    @property
    def class_code(self) -> str:
        return f"{self.section}{self.klass}"

    @property
    def subclass_code(self) -> str:
        """``E01B`` (empty for a bare section or class)."""
        return f"{self.section}{self.klass}{self.subclass}" if self.subclass else ""

    @property
    def main_group_code(self) -> str:
        """``E01B 3/00`` (empty when the symbol has no group)."""
        return f"{self.subclass_code} {self.main_group}/00" if self.main_group else ""

    @property
    def code(self) -> str:
        """The canonical printed form: ``E01B 3/32``; ``E01B`` for a subclass."""
        if self.main_group:
            return f"{self.subclass_code} {self.main_group}/{self.subgroup}"
        if self.klass:
            return self.subclass_code or self.class_code
        return self.section

    @property
    def compact(self) -> str:
        """Without the space: ``E01B3/32``."""
        return self.code.replace(" ", "")

    @property
    def wipo14(self) -> str:
        """WIPO's fixed 14-character form ``E01B0003320000`` (groups only; empty otherwise)."""
        if not self.main_group:
            return ""
        return f"{self.subclass_code}{int(self.main_group):04d}{self.subgroup:<06s}".replace(" ", "0")

    @property
    def ancestors(self) -> list[str]:
        """Canonical codes above this one, nearest first: main group, subclass, class, section."""
        chain = [self.main_group_code if self.kind == "subgroup" else ""]
        if self.main_group:
            chain.append(self.subclass_code)
        if self.subclass:
            chain.append(self.class_code)
        if self.klass:
            chain.append(self.section)
        return [c for c in chain if c]

    @property
    def parent_code(self) -> str:
        """The structural parent (a subgroup's main group; dot-level nesting is not known here)."""
        ancestors = self.ancestors
        return ancestors[0] if ancestors else ""

    def __str__(self) -> str:
        return self.code


def normalise_text(raw: str) -> str:
    """NFKC (full-width → ASCII, U+2002/U+3000 → space), upper case, outer whitespace stripped."""
    return unicodedata.normalize("NFKC", raw).upper().strip()


def _build(match: re.Match[str], raw: str, *, fixed_width: bool = False) -> IpcCode:
    parts = match.groupdict()
    if parts["section"] not in SECTIONS:
        raise _error("section", raw)
    main, sub = parts.get("main") or "", parts.get("sub") or ""
    if main:
        if fixed_width:
            sub = sub.rstrip("0").ljust(2, "0")
        elif len(sub) < 2:
            raise _error("subgroup", raw)
        else:
            sub = sub[:2] + sub[2:].rstrip("0")
        main = str(int(main))
    version, inventive = "", None
    if parts.get("version") is not None:
        found = _VERSION_RE.fullmatch(parts["version"])
        if not found or not (1 <= int(found["month"]) <= 12):
            raise _error("version", raw)
        version = f"{found['year']}.{found['month']}"
    if parts.get("flag"):
        if parts["flag"] not in FLAGS:
            raise _error("flag", raw)
        inventive = FLAGS[parts["flag"]]
    return IpcCode(
        section=parts["section"],
        klass=parts.get("klass") or "",
        subclass=parts.get("subclass") or "",
        main_group=main,
        subgroup=sub,
        version=version,
        inventive=inventive,
    )


def _match_one(text: str, pos: int = 0) -> tuple[re.Match[str], bool] | None:
    """The symbol starting at `pos` (fixed-width form first), and whether it is the fixed-width one."""
    found = _WIPO14_RE.match(text, pos)
    if found:
        return found, True
    found = _PRINTED_RE.match(text, pos)
    return (found, False) if found else None


def _diagnose(text: str, raw: str) -> IpcError:
    if not text:
        return _error("empty", raw)
    if text[0] not in SECTIONS:
        return _error("section", raw)
    return _error("format", raw)


def _gap_end(text: str, pos: int) -> int:
    """Where the separators starting at `pos` end (`pos` itself when there are none)."""
    found = _LIST_GAP_RE.match(text, pos)
    return found.end() if found else pos


def parse_ipc(raw: str, *, partial: bool = False) -> IpcCode:
    """One IPC symbol in any of the spellings above → `IpcCode`; `IpcError` when it is not one.

    `partial=True` also accepts a bare section (``E``) or class (``E01``), as the scheme itself lists them.
    """
    text = _LABEL_RE.sub("", normalise_text(raw or ""))
    if partial:
        bare = _PARTIAL_RE.match(text)
        if bare:
            if bare["section"] not in SECTIONS:
                raise _error("section", raw)
            return IpcCode(section=bare["section"], klass=bare["klass"] or "", subclass="")
    found = _match_one(text)
    if found is None or found[0].end() != len(text):
        # a flag the pattern would not take (e.g. "(2006.01)X") or trailing text
        raise _diagnose(text, raw)
    return _build(found[0], raw, fixed_width=found[1])


def parse_ipc_list(raw: str) -> list[IpcCode]:
    """Several IPC symbols separated by ``;`` ``,`` ``、`` ``|`` or whitespace (full-width forms too).

    Order is kept; a symbol repeated (same canonical code, whatever its version or flag) is dropped after
    its first occurrence. The ``?`` characters that lossy re-encoding leaves next to separators (as in
    CNIPA gazette exports, ``G16B25/00(2019.01)I;??G16B30/00(2019.01)I``) count as separators.
    The first item that is not an IPC symbol raises `IpcError`.
    """
    text = _LABEL_RE.sub("", normalise_text(raw or ""))
    result: list[IpcCode] = []
    seen: set[str] = set()
    pos = _gap_end(text, 0)
    while pos < len(text):
        found = _match_one(text, pos)
        end = found[0].end() if found else pos
        gap = _gap_end(text, end)
        if found is None or (gap == end and end < len(text)):
            # not a symbol, or one followed directly by more text: report the whole item
            stop = min(
                (i for i in (text.find(s, pos) for s in _HARD_SEPARATORS) if i >= 0), default=len(text)
            )
            raise _diagnose(text[pos:stop].strip(), text[pos:stop].strip())
        item = _build(found[0], text[pos:end], fixed_width=found[1])
        if item.code not in seen:
            seen.add(item.code)
            result.append(item)
        pos = gap
    return result


_LOCARNO_RE = re.compile(
    r"(?:LOC\s*(?:\(\s*\d{1,2}\s*\))?\s*)?(?:CL\s*\.?\s*)?"
    r"(?P<klass>\d{1,2})\s*[-.‐‑–—]\s*(?P<sub>\d{1,2})"
    r"|(?:LOC\s*(?:\(\s*\d{1,2}\s*\))?\s*)?(?:CL\s*\.?\s*)?(?P<klass4>\d{2})(?P<sub4>\d{2})",
    re.ASCII,
)
_LOCARNO_EDITION_RE = re.compile(r"\s*(?:\(\s*\d{1,2}\s*\))?", re.ASCII)


def _locarno_at(text: str, pos: int, raw: str) -> tuple[str, int]:
    found = _LOCARNO_RE.match(text, pos)
    if not found:
        raise LocarnoError("locarno", MESSAGES["locarno"], raw)
    klass = int(found["klass"] or found["klass4"])
    sub = int(found["sub"] or found["sub4"])
    if not (1 <= klass <= 32 or klass == 99):
        raise LocarnoError("locarno", MESSAGES["locarno"], raw)
    edition = _LOCARNO_EDITION_RE.match(text, found.end())
    return f"{klass:02d}-{sub:02d}", edition.end() if edition else found.end()


def parse_locarno(raw: str) -> str:
    """A Locarno design class → ``12-08``. Accepts ``12-08``, ``1208``, ``LOC(10) Cl. 12-08`` and the
    gazette's ``12-08 (11)`` (edition after the class); `LocarnoError` otherwise."""
    text = normalise_text(raw or "")
    value, end = _locarno_at(text, 0, raw)
    if end != len(text):
        raise LocarnoError("locarno", MESSAGES["locarno"], raw)
    return value


def parse_locarno_list(raw: str) -> list[str]:
    """Several design classes separated as in `parse_ipc_list` (``02-01 (11);??02-02 (11)``), in order,
    without repeats."""
    text = normalise_text(raw or "")
    result: list[str] = []
    pos = _gap_end(text, 0)
    while pos < len(text):
        value, end = _locarno_at(text, pos, raw)
        gap = _gap_end(text, end)
        if gap == end and end < len(text):
            raise LocarnoError("locarno", MESSAGES["locarno"], raw)
        if value not in result:
            result.append(value)
        pos = gap
    return result
