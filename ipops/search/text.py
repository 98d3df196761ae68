"""Text analysis shared by the keyword index, the query language and the match reasons.

Chinese has no spaces, so every text is analysed twice: into words (jieba's search segmentation, lower-cased;
English words as they are, lower-cased) and into overlapping character bigrams of each run of CJK characters.
Words give precise matches and readable reasons; bigrams find compounds the segmenter splits differently in
the query and in the patent, and a sequence of bigrams is an exact substring (quoted Chinese phrases).
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import add
from pathlib import Path

import rjieba

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
_TOKEN = re.compile(f"[{CJK}]+|[A-Za-z0-9][A-Za-z0-9.+\\-]*[A-Za-z0-9]|[A-Za-z0-9]")
_IS_CJK = re.compile(f"[{CJK}]")

# Words that say nothing about a technology (config/stopwords.txt): dropped from queries and the words field.
STOP_WORDS = frozenset(
    word
    for line in (Path(__file__).resolve().parent / "config" / "stopwords.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if not line.startswith("#")
    for word in line.split()
)


def is_cjk(text: str) -> bool:
    return bool(_IS_CJK.search(text))


@lru_cache(maxsize=65536)
def _segment(run: str) -> tuple[str, ...]:
    return tuple(rjieba.cut_for_search(run))


def words(text: str, *, keep_stop: bool = False) -> list[str]:
    """Words of a text in order: jieba search segmentation of CJK runs, lower-cased Latin words and numbers."""
    out: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        token = match.group(0)
        pieces = _segment(token) if _IS_CJK.match(token) else (token.lower(),)
        for piece in pieces:
            piece = piece.strip()
            if piece and (keep_stop or piece not in STOP_WORDS):
                out.append(piece)
    return out


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run (a run of one character is kept as it is)."""
    out: list[str] = []
    for match in _CJK_RUN.finditer(text or ""):
        run = match.group(0)
        if len(run) == 1:
            if run not in STOP_WORDS:
                out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def latin_words(text: str) -> list[str]:
    """Lower-cased Latin words and numbers only (the bigram field carries these too)."""
    return [m.group(0).lower() for m in _TOKEN.finditer(text or "") if not _IS_CJK.match(m.group(0))]


def grams(text: str) -> list[str]:
    """The bigram field's tokens in text order: bigrams of each CJK run and the Latin words between them,
    so English text is found in either field and a token sequence is a phrase."""
    out: list[str] = []
    for match in _TOKEN.finditer(text or ""):
        token = match.group(0)
        if _IS_CJK.match(token):
            out.extend(bigrams(token))
        else:
            word = token.lower()
            if word not in STOP_WORDS:
                out.append(word)
    return out


_RUN_SEP = "\n"  # outside every CJK run, so jieba segments each run of a joined batch on its own


def _cut_runs(runs: list[str]) -> list[list[str]]:
    """`_segment` of many CJK runs in one call to the segmenter (a run is segmented on its own: the
    separator splits the segmenter's blocks), without the memo (indexing reads mostly unique text)."""
    if not runs:
        return []
    out: list[list[str]] = [[]]
    for piece in rjieba.cut_for_search(_RUN_SEP.join(runs)):
        if piece == _RUN_SEP:
            out.append([])
        else:
            out[-1].append(piece)
    return out


def analysed_many(texts: list[str]) -> list[tuple[str, str]]:
    """For indexing: each text's words field and bigram field as whitespace-joined strings, exactly
    `joined(words(text))` and `joined(grams(text))`, in one pass and one segmenter call for all texts."""
    tokens = [_TOKEN.findall(value) if value else [] for value in texts]
    runs = [token for found in tokens for token in found if token[0] >= "\u3400"]
    cut = iter(_cut_runs(runs))
    stop = STOP_WORDS
    out: list[tuple[str, str]] = []
    for found in tokens:
        words_out: list[str] = []
        grams_out: list[str] = []
        for token in found:
            if token[0] >= "\u3400":  # a CJK run (_TOKEN's Latin tokens start with an ASCII character)
                words_out.extend(piece for piece in next(cut) if piece not in stop)
                if len(token) > 1:
                    grams_out.extend(map(add, token, token[1:]))
                elif token not in stop:
                    grams_out.append(token)
            else:
                word = token.lower()
                if word not in stop:
                    words_out.append(word)
                    grams_out.append(word)
        out.append((" ".join(words_out), " ".join(grams_out)))
    return out


def joined(tokens: list[str]) -> str:
    """Tokens as one string for tantivy's whitespace tokenizer (tokens never contain whitespace)."""
    return " ".join(tokens)
