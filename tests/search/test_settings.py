"""The search and IPC-suggestion configuration: shipped defaults, a region's override merged key by key, and
a clear error naming a broken file (the platform's one reader, `ipops.core.config_files`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipops.search.ipc_suggest.config import DEFAULTS, load_config, load_params
from ipops.search.ipc_suggest.model import Params
from ipops.search.settings import config


def test_a_region_overrides_only_the_keys_it_gives(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shipped = config()
    override = tmp_path / "ranking.json"
    override.write_text(json.dumps({"_doc": "ours", "embed_inline_max": 7}))
    settings.IPOPS_SEARCH_CONFIG = override
    mine = config()
    assert mine["embed_inline_max"] == 7 and shipped["embed_inline_max"] != 7
    assert {k: v for k, v in mine.items() if k != "embed_inline_max"} == {
        k: v for k, v in shipped.items() if k != "embed_inline_max"
    }
    assert "_doc" not in mine

    ipc = tmp_path / "ipc.json"
    ipc.write_text(json.dumps({"max_labels": 3}))
    settings.IPOPS_IPC_SUGGEST_CONFIG = str(ipc)
    assert load_params().max_labels == 3 and load_config()["ngram_max"] == 2


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_broken_override_names_the_file(settings, tmp_path: Path, content: str) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / f"broken-{len(content)}.json"
    broken.write_text(content)
    settings.IPOPS_SEARCH_CONFIG = broken
    with pytest.raises(ImproperlyConfigured, match=r"Search configuration .*broken"):
        config()
    settings.IPOPS_IPC_SUGGEST_CONFIG = str(broken)
    with pytest.raises(ImproperlyConfigured, match=r"IPC suggestion configuration .*broken"):
        load_config()


def test_the_suggesters_code_defaults_are_the_shipped_file() -> None:
    """`Params()` (what tests and `document_text` fall back on) holds the same values as the data file that
    is the platform's default, key for key, so the two cannot drift apart."""
    shipped = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    assert Params.from_dict(shipped) == Params()
    assert {k for k in shipped if not k.startswith("_")} == set(Params.__dataclass_fields__)  # none ignored
