"""The suggester's settings: bundled defaults, overridden key by key by the JSON file that
``settings.IPOPS_IPC_SUGGEST_CONFIG`` names (a region may change any of them, e.g. ``max_labels``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from ipops.search.ipc_suggest.model import Params

DEFAULTS = Path(__file__).resolve().parent / "config" / "defaults.json"


def load_config() -> dict[str, Any]:
    values: dict[str, Any] = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    override = getattr(settings, "IPOPS_IPC_SUGGEST_CONFIG", None)
    if override:
        values.update(json.loads(Path(override).read_text(encoding="utf-8")))
    return {k: v for k, v in values.items() if not k.startswith("_")}


def load_params() -> Params:
    return Params.from_dict(load_config())
