"""Configuration of the search module: defaults in `config/ranking.json`, overridable per region."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULTS = Path(__file__).resolve().parent / "config" / "ranking.json"


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: v for k, v in json.loads(DEFAULTS.read_text()).items() if not k.startswith("_")
    }
    if path:
        values.update({k: v for k, v in json.loads(Path(path).read_text()).items() if not k.startswith("_")})
    return values


def config() -> dict[str, Any]:
    override = getattr(settings, "IPOPS_SEARCH_CONFIG", None)
    return dict(_load(str(override) if override else None))


def index_dir() -> Path:
    configured = getattr(settings, "IPOPS_SEARCH_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "derived" / "search"
