"""The keyword query language: words, "phrases", AND / OR / NOT (or a leading -), parentheses, and the
field prefixes title:, abstract:, applicant:, ipc:. Whatever the user types parses to something: mistakes
(unbalanced quotes or parentheses, an unknown prefix, an over-long query) become notes shown beside the
results, never errors.

Between two parts with no operator the implicit operator is AND. A part that is a short word must occur
(as a word, or for Chinese as a substring); a part that is a whole sentence (more than a few words) matches
when any of its words does and ranks by how many do, so pasting a sentence still finds patents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ipops.search import text

MAX_QUERY_CHARS = 1000
FIELDS = {"title": "title", "abstract": "body", "applicant": "applicant", "ipc": "ipc"}
ALIASES = {"标题": "title", "名称": "title", "摘要": "abstract", "申请人": "applicant", "分类号": "ipc"}
SENTENCE_WORDS = 3  # a bare part with more words than this is treated as a sentence (any-word match)


@dataclass
class Term:
    value: str
    field: str | None = None  # None: all text fields
    phrase: bool = False


@dataclass
class Not:
    child: Node


@dataclass
class Bool:
    op: str  # "and" | "or"
    children: list[Node]


Node = Term | Not | Bool


@dataclass
class Parsed:
    node: Node | None
    notes: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # words to highlight

    @property
    def empty(self) -> bool:
        return self.node is None


_LEX = re.compile(r'\s+|\(|\)|"[^"]*"?|[^\s()"]+')


def _lex(query: str, notes: list[str]) -> list[str]:
    if query.count('"') % 2:
        notes.append(_("A quotation mark was not closed; the phrase runs to the end of the query."))
    return [t for t in _LEX.findall(query) if t.strip()]


class _Parser:
    def __init__(self, tokens: list[str], notes: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.notes = notes
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        part = self.tokens[self.pos]
        self.pos += 1
        return part

    def parse(self) -> Node | None:
        node = self.or_expr()
        while self.peek() is not None:  # a stray ')' at top level
            self.take()
            self.notes.append(_("A closing parenthesis had no opening one and was ignored."))
            more = self.or_expr()
            node = _combine("and", node, more)
        return node

    def or_expr(self) -> Node | None:
        node = self.and_expr()
        while self.peek() in ("OR", "|", "或"):
            self.take()
            node = _combine("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node | None:
        node = self.unary()
        while True:
            part = self.peek()
            if part is None or part in ("OR", "|", "或") or part == ")":
                return node
            if part in ("AND", "&", "与"):
                self.take()
                continue
            node = _combine("and", node, self.unary())

    def unary(self) -> Node | None:
        part = self.peek()
        if part is None:
            return None
        if part in ("NOT", "非"):
            self.take()
            child = self.unary()
            return Not(child) if child is not None else None
        if part == "(":
            self.take()
            self.depth += 1
            node = self.or_expr()
            if self.peek() == ")":
                self.take()
            else:
                self.notes.append(_("A parenthesis was not closed; it is closed at the end of the query."))
            self.depth -= 1
            return node
        if part == ")":
            if self.depth:
                return None
            self.take()
            self.notes.append(_("A closing parenthesis had no opening one and was ignored."))
            return self.unary()
        self.take()
        if part.startswith("-") and len(part) > 1:
            child = self.atom(part[1:])
            return Not(child) if child is not None else None
        return self.atom(part)

    def atom(self, part: str) -> Node | None:
        name, sep, rest = part.partition(":")
        if not sep:
            name, sep, rest = part.partition("：")
        if sep and name and not name.startswith('"'):
            key = ALIASES.get(name, name.lower())
            if key in FIELDS:
                if not rest and self.peek() is not None and self.peek() not in (")", "OR", "AND", "NOT"):
                    rest = self.take()  # "title: word"
                return _term(rest, FIELDS[key]) if rest else None
            if not re.fullmatch(r"https?", name.lower()):
                self.notes.append(
                    _(
                        "“%(prefix)s:” is not a field we know (title, abstract, applicant, ipc); it was ignored."
                    )
                    % {"prefix": name}
                )
                return _term(rest, None)
        return _term(part, None)


def _term(part: str, field_name: str | None) -> Term | None:
    phrase = part.startswith('"')
    value = part.strip('"').strip()
    return Term(value, field_name, phrase) if value else None


def _combine(op: str, left: Node | None, right: Node | None) -> Node | None:
    if left is None:
        return right
    if right is None:
        return left
    if isinstance(left, Bool) and left.op == op:
        return Bool(op, [*left.children, right])
    return Bool(op, [left, right])


def _meaningful(node: Node | None) -> Node | None:
    """Drop parts that hold no searchable part (stop words, punctuation)."""
    if node is None:
        return None
    if isinstance(node, Term):
        if node.field == "ipc":
            return node if re.search(r"[A-Za-z0-9]", node.value) else None
        return (
            node
            if (text.words(node.value) or [g for g in text.grams(node.value) if g not in text.STOP_WORDS])
            else None
        )
    if isinstance(node, Not):
        child = _meaningful(node.child)
        return Not(child) if child is not None else None
    children = [c for c in (_meaningful(c) for c in node.children) if c is not None]
    if not children:
        return None
    return children[0] if len(children) == 1 else Bool(node.op, children)


def _highlight_terms(node: Node | None, out: list[str]) -> None:
    if isinstance(node, Term) and node.field != "ipc":
        if node.phrase or len(text.words(node.value)) <= SENTENCE_WORDS:
            out.append(node.value)
        else:
            out.extend(text.words(node.value))
    elif isinstance(node, Bool):
        for child in node.children:
            _highlight_terms(child, out)


def parse(query: str) -> Parsed:
    notes: list[str] = []
    query = (query or "").strip()
    if not query:
        return Parsed(None, [_('Type some words to search for, e.g. 锂电池 隔膜 or title:"solar cell".')])
    if len(query) > MAX_QUERY_CHARS:
        notes.append(
            _("The query was longer than %(limit)d characters; only the start was used.")
            % {"limit": MAX_QUERY_CHARS}
        )
        query = query[:MAX_QUERY_CHARS]
    node = _meaningful(_Parser(_lex(query, notes), notes).parse())
    if node is None:
        notes.append(
            _("The query holds only common words or punctuation; add a word that names the technology.")
        )
        return Parsed(None, notes)
    if isinstance(node, Not):
        node = Bool("and", [node])  # "NOT x" alone: everything except x
    terms: list[str] = []
    _highlight_terms(node, terms)
    return Parsed(node, notes, list(dict.fromkeys(terms)))
