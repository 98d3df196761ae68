"""The suggester's settings: bundled defaults, overridden key by key by the JSON file that
``settings.IPOPS_IPC_SUGGEST_CONFIG`` names (a region may change any of them, e.g. ``max_labels``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from ipops.core.config_files import load_with_override, without_comments
from ipops.search.ipc_suggest.model import Params

DEFAULTS = Path(__file__).resolve().parent / "config" / "defaults.json"


def load_config() -> dict[str, Any]:
    override = getattr(settings, "IPOPS_IPC_SUGGEST_CONFIG", None)
    return without_comments(load_with_override(DEFAULTS, override, what="IPC suggestion configuration"))


def load_params() -> Params:
    return Params.from_dict(load_config())
