"""Configuration of the search module: defaults in `config/ranking.json`, overridable per region."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from ipops.core.config_files import load_with_override, without_comments

DEFAULTS = Path(__file__).resolve().parent / "config" / "ranking.json"


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict[str, Any]:
    return without_comments(load_with_override(DEFAULTS, path, what="Search configuration"))


def config() -> dict[str, Any]:
    override = getattr(settings, "IPOPS_SEARCH_CONFIG", None)
    return dict(_load(str(override) if override else None))


def index_dir() -> Path:
    configured = getattr(settings, "IPOPS_SEARCH_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "derived" / "search"
