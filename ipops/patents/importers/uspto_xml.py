"""USPTO full-text XML ("red book"): the weekly grant (ipgYYMMDD.xml) and application (ipaYYMMDD.xml) files.

Formats read
    Grants ``<us-patent-grant>`` and pre-grant publications ``<us-patent-application>`` of the 4.x DTDs, used
    from 2005 on (CPC from 2013). Tested on USPTO samples of grant DTD v4.0 2004-12-02, v4.2 2006-08-23 and
    v4.5 2014-04-03 and application DTD v4.0 2004-12-02; the other 4.x versions share their structure. The
    older SGML-derived grant XML v2.5 (``<PATDOC>``, 2001–2004), the 2001–2004 application XML
    (``<patent-application-publication>``) and the APS "greenbook" text (1976–2001) are not read: such files
    are refused with a message that names the format.

Bulk files
    A weekly file is many XML documents written one after the other, each with its own ``<?xml …?>``
    declaration and DOCTYPE. The file is read in chunks and split on those declarations; each document is
    parsed on its own and dropped before the next one, so memory depends on the largest document, not on
    the file (weekly files are several GB). `SourceRow.line` is the file line of the document's declaration.
    A document that is not well-formed gives one `Problem` at that line and reading goes on with the next.
    ``<sequence-cwu>`` documents (sequence listings that follow some grants in the same file) are skipped.

Fields
    Values are plain text in our field names (see `base.FIELDS`); dates are ISO ``YYYY-MM-DD``. Numbers are
    written the way the rest of the platform writes them: ``US8926509B2`` (leading zeros of the serial
    dropped), ``US20050004437A1``, application ``US12134151``. IPC and CPC codes are written ``H04L29/06``.
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final
from xml.parsers import expat

from django.utils.translation import gettext as _

from ipops.patents.importers.base import FileProblem, Problem, SourceRow

__all__ = ["SNIFF_BYTES", "UsptoXmlParser", "looks_like_uspto_xml"]

SNIFF_BYTES: Final = 8 * 1024  # how much of the file `looks_like_uspto_xml` needs
CHUNK_BYTES: Final = 1 << 20
GRANT: Final = "us-patent-grant"
APPLICATION: Final = "us-patent-application"
SKIPPED_ROOTS: Final = frozenset({"sequence-cwu"})  # companion documents, not patents
OLD_FORMATS: Final = {
    "PATDOC": "SGML/XML 2.5 (2001–2004 grants)",
    "patent-application-publication": "PAP XML 1.5/1.6 (2001–2004 applications)",
}

# A document starts where an XML declaration starts ("<?xml" then white space, so <?xml-stylesheet is not one).
_DECLARATION = re.compile(rb"<\?xml[ \t\r\n]")
_DECLARATION_LEN: Final = 6
_SUPPORTED_HEAD = re.compile(rb"<(?:!DOCTYPE[ \t\r\n]+)?us-patent-(?:grant|application)[ \t\r\n>\[]")
_OLD_HEAD = re.compile(rb"<(?:!DOCTYPE[ \t\r\n]+)?(PATDOC|patent-application-publication)[ \t\r\n>\[]")
_FILE_ATTRIBUTE = re.compile(rb'\sfile="([^"]{1,100})"')
_WHITESPACE: Final = b" \t\r\n\xef\xbb\xbf"  # with the UTF-8 byte order mark
_HEAD_KEEP: Final = 4096  # bytes of each document kept to name it in a Problem

# USPTO text uses numeric character references; named ones (HTML/ISO sets) are accepted too rather than refused.
_ENTITIES: Final = {name[:-1]: text for name, text in html.entities.html5.items() if name.endswith(";")}

_IPC_TEXT = re.compile(r"^([A-H])\s*(\d{2})\s*([A-Z])\s*0*(\d{1,4})\s*/\s*(\d{1,6})$")
_SERIAL = re.compile(r"^([A-Z]*)0*(\d+)$")
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CLAIM_BREAK: Final = "\x00"  # cannot occur in XML text: marks where a nested <claim-text> starts


def looks_like_uspto_xml(head: bytes) -> bool:
    """Whether the first bytes of a file are a USPTO grant or application XML document (DTD v4.x)."""
    text = head.lstrip(_WHITESPACE)
    if not text.startswith(b"<"):
        return False
    return _SUPPORTED_HEAD.search(text[:SNIFF_BYTES]) is not None


class UsptoXmlParser:
    """`SourceRow`s from a USPTO full-text XML file, one per grant or application document."""

    format_name = "uspto-xml"

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self) -> Iterator[SourceRow | Problem]:
        self._check_head()
        documents = 0
        for document in _split_documents(self.path):
            result = _read_document(document)
            del document  # and its tree: only one document is held at a time
            if result is None:
                continue
            documents += 1
            yield result
        if not documents:  # e.g. only sequence listings
            raise FileProblem(_("The file holds no USPTO patent grant or application document."))

    def _check_head(self) -> None:
        with self.path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        if not head.strip(_WHITESPACE):
            raise FileProblem(_("The file is empty."))
        if looks_like_uspto_xml(head):
            return
        old = _OLD_HEAD.search(head)
        if old is not None:
            raise FileProblem(
                _(
                    "This USPTO file is in the %(format)s format, which cannot be imported. "
                    "Use the full-text XML files of 2005 or later."
                )
                % {"format": OLD_FORMATS[old.group(1).decode()]}
            )
        raise FileProblem(
            _(
                "This is not a USPTO full-text XML file: no <us-patent-grant> or <us-patent-application> "
                "document at its start."
            )
        )


# --- splitting a bulk file into documents -------------------------------------------------------------


class _Document:
    """One document of a bulk file, fed to its own parser as its bytes arrive, then closed once."""

    def __init__(self, line: int) -> None:
        self.line = line
        self.head = bytearray()  # the first bytes, to name the document in a Problem
        self.root: ET.Element | None = None
        self.error: ET.ParseError | None = None
        # Expat (2.4+) limits entity expansion and never fetches external entities or DTDs.
        self._parser: ET.XMLParser | None = ET.XMLParser(target=ET.TreeBuilder())  # noqa: S314
        self._parser.entity.update(_ENTITIES)

    def feed(self, data: bytes) -> None:
        if len(self.head) < _HEAD_KEEP:
            self.head += data[: _HEAD_KEEP - len(self.head)]
        if self._parser is None:
            return
        try:
            self._parser.feed(data)
        except ET.ParseError as exc:
            self.error = exc
            self._parser = None  # the rest of the document is skipped

    def close(self) -> None:
        """Finish parsing: afterwards `root` or `error` is set."""
        if self._parser is None:
            return
        parser, self._parser = self._parser, None
        try:
            self.root = parser.close()
        except ET.ParseError as exc:
            self.error = exc


def _split_documents(path: Path) -> Iterator[_Document]:
    """The file's documents, each complete (fed and closed) when yielded, read in chunks of CHUNK_BYTES."""
    line = 1  # file line at position 0 of `buffer`
    current: _Document | None = None
    carry = b""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(CHUNK_BYTES)
            buffer = carry + chunk
            # A declaration cut by the chunk boundary is found in the next round: keep its first bytes back.
            limit = len(buffer) if not chunk else max(0, len(buffer) - _DECLARATION_LEN + 1)
            position = 0
            for match in _DECLARATION.finditer(buffer):
                start = match.start()
                if start >= limit:
                    break
                current = _append(current, buffer[position:start], line)
                line += buffer.count(b"\n", position, start)
                position = start
                if current is not None:
                    current.close()
                    yield current
                current = _Document(line)
            current = _append(current, buffer[position:limit], line)
            line += buffer.count(b"\n", position, limit)
            carry = buffer[limit:]
            if not chunk:
                break
    if current is not None:
        current.close()
        yield current


def _append(current: _Document | None, data: bytes, line: int) -> _Document | None:
    """Feed `data` (starting at file line `line`) to the current document. Text before the first declaration
    starts a document without one (a single document saved without it), unless it is only white space."""
    if current is None:
        stripped = data.lstrip(_WHITESPACE)
        if not stripped:
            return None
        current = _Document(line + data.count(b"\n", 0, len(data) - len(stripped)))
        data = stripped
    if data:
        current.feed(data)
    return current


# --- one document → a row -------------------------------------------------------------------------------


def _read_document(document: _Document) -> SourceRow | Problem | None:
    """The row of a parsed document; a Problem if it is broken or not a patent; None for a skipped one."""
    root = document.root
    name = _document_name(document.head)
    if root is None:
        error = document.error
        error_line, column = error.position if error is not None else (1, 0)
        return Problem(
            document.line,
            "",
            name,
            _("This document is not well-formed XML: %(error)s (file line %(line)d, column %(column)d).")
            % {
                "error": expat.errors.messages.get(error.code, str(error)) if error else "",
                "line": document.line + error_line - 1,
                "column": column + 1,
            },
        )
    if root.tag in SKIPPED_ROOTS:
        return None
    if root.tag not in (GRANT, APPLICATION):
        if root.tag in OLD_FORMATS:
            reason = _("This document is in the USPTO %(format)s format, which cannot be imported.") % {
                "format": OLD_FORMATS[root.tag]
            }
        else:
            reason = _(
                "This document is not a USPTO patent grant or application: its root element is <%(tag)s>."
            ) % {"tag": root.tag}
        return Problem(document.line, "", name, reason)
    values, extra = _fields(root)
    return SourceRow(line=document.line, values=values, extra=extra)


def _document_name(head: bytes | bytearray) -> str:
    """The file name USPTO gives the document (e.g. US08926509-20150106.XML), to name it in a Problem."""
    match = _FILE_ATTRIBUTE.search(head)
    return match.group(1).decode("utf-8", "replace") if match else ""


def _fields(root: ET.Element) -> tuple[dict[str, Any], dict[str, str]]:
    is_grant = root.tag == GRANT
    bib = root.find("us-bibliographic-data-grant" if is_grant else "us-bibliographic-data-application")
    if bib is None:
        bib = ET.Element("missing")
    publication = bib.find("publication-reference/document-id")
    application_ref = bib.find("application-reference")
    application = None if application_ref is None else application_ref.find("document-id")
    pub_date = _iso_date(_child_text(publication, "date"))

    parties = bib.find("us-parties")
    if parties is None:
        parties = bib.find("parties")
    applicants = (
        []
        if parties is None
        else [
            *parties.findall("us-applicants/us-applicant"),
            *parties.findall("applicants/applicant"),
        ]
    )
    assignees = bib.findall("assignees/assignee")
    inventors = [] if parties is None else parties.findall("inventors/inventor")
    if not inventors:  # before 2012 the inventors are the applicants of type "applicant-inventor"
        inventors = [a for a in applicants if a.get("app-type") == "applicant-inventor"]
    agents = [] if parties is None else parties.findall("agents/agent")
    owners = assignees or applicants  # the platform's "applicants": who holds the patent

    ipc = _ipc_codes(bib)
    cpc = _cpc_codes(bib)
    claims = root.findall("claims/claim")
    values: dict[str, Any] = {
        "pub_number": _publication_number(publication),
        "app_number": _application_number(application),
        "kind": _child_text(publication, "kind"),
        "country": _child_text(publication, "country") or "US",
        "title": _text(bib.find("invention-title")),
        "abstract": _abstract(root.find("abstract")),
        "first_claim": _first_claim(claims),
        "app_date": _iso_date(_child_text(application, "date")),
        "pub_date": pub_date,
        "grant_date": pub_date if is_grant else "",
        "main_ipc": ipc[0] if ipc else "",
        "ipc": ";".join(ipc),
        "applicants": _join(_party_name(p) for p in owners),
        "inventors": _join(_party_name(p) for p in inventors),
        "address": _address(owners[0] if owners else None),
        "agents": _join(_party_name(p) for p in agents),
        "priority": _join(_priority(claim) for claim in bib.findall("priority-claims/priority-claim")),
    }
    claims_count = _child_text(bib, "number-of-claims") or (str(len(claims)) if claims else "")
    extra = {
        "doc_type": "grant" if is_grant else "application",
        "dtd_version": root.get("dtd-version", ""),
        "appl_type": "" if application_ref is None else application_ref.get("appl-type", ""),
        "claims_count": claims_count,
        "cpc": ";".join(cpc),
        "main_cpc": cpc[0] if cpc else "",
        "uspc": ";".join(_uspc_codes(bib)),
        "related_publication": _publication_number(
            bib.find("us-related-documents/related-publication/document-id")
        ),
        "source_file": root.get("file", ""),
    }
    return values, {key: value for key, value in extra.items() if value}


# --- field helpers ----------------------------------------------------------------------------------------


def _text(element: ET.Element | None) -> str:
    """All text of an element with its white space collapsed."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _child_text(element: ET.Element | None, path: str) -> str:
    return "" if element is None else _text(element.find(path))


def _join(items: Iterable[str]) -> str:
    """Non-empty items, each once, in order, joined with ;."""
    return ";".join(dict.fromkeys(item for item in items if item))


def _iso_date(raw: str) -> str:
    """YYYYMMDD → YYYY-MM-DD; anything else is passed on as it is for the normaliser to report."""
    match = _DATE.match(raw)
    return f"{match[1]}-{match[2]}-{match[3]}" if match else raw


def _serial(raw: str) -> str:
    """A publication serial without its leading zeros (08926509 → 8926509, D0435854 → D435854)."""
    match = _SERIAL.match(raw)
    return f"{match[1]}{match[2]}" if match else raw


def _publication_number(document_id: ET.Element | None) -> str:
    number = _child_text(document_id, "doc-number").replace(" ", "")
    if not number:
        return ""
    country = _child_text(document_id, "country") or "US"
    return f"{country}{_serial(number)}{_child_text(document_id, 'kind')}"


def _application_number(document_id: ET.Element | None) -> str:
    number = _child_text(document_id, "doc-number").replace(" ", "")
    if not number:
        return ""
    return f"{_child_text(document_id, 'country') or 'US'}{number}"


def _symbol(classification: ET.Element) -> str:
    """An IPCR/CPC element written as H04L29/06."""
    parts = [_child_text(classification, tag) for tag in ("section", "class", "subclass", "main-group")]
    subgroup = _child_text(classification, "subgroup")
    if not all(parts) or not subgroup:
        return ""
    return f"{parts[0]}{parts[1]}{parts[2]}{parts[3].lstrip('0') or '0'}/{subgroup}"


def _ipc_text(raw: str) -> str:
    """An IPC code as the 2004–2006 DTDs write it (G06F015/00, G06F 15/00) → G06F15/00."""
    match = _IPC_TEXT.match(raw.strip())
    if match is None:
        return "".join(raw.split())
    section, klass, subclass, group, subgroup = match.groups()
    return f"{section}{klass}{subclass}{group}/{subgroup}"


def _ipc_codes(bib: ET.Element) -> list[str]:
    """All IPC codes, the main one (symbol position F, or the first) first."""
    ipcr = bib.findall("classifications-ipcr/classification-ipcr")
    if ipcr:
        first = [c for c in ipcr if _child_text(c, "symbol-position") == "F"]
        ordered = [*first, *(c for c in ipcr if c not in first)]
        return list(dict.fromkeys(code for code in map(_symbol, ordered) if code))
    old = bib.find("classification-ipc")
    if old is None:
        return []
    texts = [_child_text(old, "main-classification")]
    texts += [_text(e) for e in old.findall("further-classification")]
    return list(dict.fromkeys(_ipc_text(t) for t in texts if t))


def _cpc_codes(bib: ET.Element) -> list[str]:
    found = [
        *bib.findall("classifications-cpc/main-cpc/classification-cpc"),
        *bib.findall("classifications-cpc/further-cpc/classification-cpc"),
    ]
    return list(dict.fromkeys(code for code in map(_symbol, found) if code))


def _uspc(raw: str) -> str:
    """A US classification in the fixed-width form of the XML (3 class, 3 subclass, then decimals):
    600301 → 600/301, 705 26 → 705/26, 34053912 → 340/539.12, 600300000 → 600/300."""
    klass, subclass, decimals = raw[:3].strip(), raw[3:6].strip().lstrip("0"), raw[6:].strip().rstrip("0")
    if not klass or not subclass:
        return "".join(raw.split())
    return f"{klass}/{subclass}" + (f".{decimals}" if decimals else "")


def _uspc_codes(bib: ET.Element) -> list[str]:
    national = bib.find("classification-national")
    if national is None:
        return []
    raw = [_child_text(national, "main-classification")]
    raw += ["".join(e.itertext()) for e in national.findall("further-classification")]
    return list(dict.fromkeys(_uspc(r) for r in raw if r.strip()))


def _abstract(abstract: ET.Element | None) -> str:
    if abstract is None:
        return ""
    paragraphs = abstract.findall(".//p") or [abstract]
    return "\n".join(text for text in map(_text, paragraphs) if text)


def _first_claim(claims: list[ET.Element]) -> str:
    """Claim 1 (the one numbered 1, else the first), each nested <claim-text> on its own line."""
    if not claims:
        return ""
    claim = next((c for c in claims if (c.get("num") or "").lstrip("0") == "1"), claims[0])
    parts: list[str] = []
    _claim_parts(claim, parts)
    lines = (" ".join(part.split()) for part in "".join(parts).split(_CLAIM_BREAK))
    return "\n".join(line for line in lines if line)


def _claim_parts(element: ET.Element, parts: list[str]) -> None:
    if element.tag == "claim-text":
        parts.append(_CLAIM_BREAK)
    parts.append(element.text or "")
    for child in element:
        _claim_parts(child, parts)
        parts.append(child.tail or "")


def _addressbook(party: ET.Element) -> ET.Element:
    """Parties hold their name in <addressbook>; the 2004 assignee holds it directly."""
    book = party.find("addressbook")
    return party if book is None else book


def _party_name(party: ET.Element) -> str:
    book = _addressbook(party)
    org = _child_text(book, "orgname")
    if org:
        return org
    names = [_child_text(book, tag) for tag in ("first-name", "middle-name", "last-name", "suffix")]
    return " ".join(n for n in names if n) or _child_text(book, "name")


def _address(party: ET.Element | None) -> str:
    """City, state, country of the first applicant (the party named first in `applicants`), if it has one:
    the address of an inventor is not given for an assignee without address."""
    address = None if party is None else _addressbook(party).find("address")
    if address is None:
        return ""
    parts = [_child_text(address, tag) for tag in ("city", "state", "country")]
    return ", ".join(p for p in parts if p and p.lower() not in ("unknown", "omitted"))


def _priority(claim: ET.Element) -> str:
    parts = [
        _child_text(claim, "country"),
        _child_text(claim, "doc-number"),
        _iso_date(_child_text(claim, "date")),
    ]
    return " ".join(p for p in parts if p)
