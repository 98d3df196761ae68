"""The reference-data fixtures (excerpts of the real tables) loaded through the real command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ipc"
ZH = FIXTURES / "ipc_scheme_zh_cnipa2026" / "ipc_zh_excerpt.tsv"
EN = FIXTURES / "ipc_scheme_en_wipo" / "all_ipc_excerpt.tsv"
WIPO35 = FIXTURES / "ipc_wipo35_technology_fields" / "ipc_technology_excerpt.csv"
CNIPA_SAMPLE = FIXTURES / "cn_cnipa_export_sample_carrotc" / "cnipa_export_199_ipc.csv"


def load(*args: str) -> str:
    """Run load_reference with these arguments; its standard output."""
    out = io.StringIO()
    call_command("load_reference", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def load_all(zh: Path = ZH, en: Path = EN, wipo35: Path = WIPO35) -> str:
    return load("--ipc-zh", str(zh), "--ipc-en", str(en), "--wipo35", str(wipo35))


@pytest.fixture
def loaded(db: None) -> str:
    return load_all()
