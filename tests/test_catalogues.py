"""The message catalogues: Chinese complete, placeholders intact, and what the build compiles is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "ipops" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def catalogue(language: str) -> list:
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def test_every_chinese_entry_is_translated_and_not_fuzzy() -> None:
    messages = catalogue("zh_Hans")
    assert len(messages) > 200
    missing = [m.id for m in messages if not (m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []
    assert [m.id for m in messages if m.fuzzy] == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_placeholders_survive_translation(language: str) -> None:
    for message in catalogue(language):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if text:
                assert set(PLACEHOLDER.findall(text)) <= expected | set(PLACEHOLDER.findall(ids[0])), (
                    message.id
                )


def test_the_compiled_catalogue_is_the_one_in_use() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Audit log") == "审计日志"
    with translation.override("en"):
        assert translation.gettext("Audit log") == "Audit log"
