"""Configuration of the valuation module: JSON data files in `ipops/valuation/config/`.

A region changes a rule without touching code: a file of the same relative name in the directory named by
the ``IPOPS_VALUATION_CONFIG_DIR`` setting replaces the shipped default (objects are merged key by key, so
an override may hold only the keys it changes). Scenario files (``scenarios/<name>.json``) are replaced
whole, because their weights must sum to one as a set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ipops.core.config_files import merged as merge
from ipops.core.config_files import read_json_object

DEFAULTS_DIR = Path(__file__).resolve().parent / "config"


def override_dir() -> Path | None:
    configured = getattr(settings, "IPOPS_VALUATION_CONFIG_DIR", None)
    return Path(configured) if configured else None


def read_json(path: Path) -> dict[str, Any]:
    return read_json_object(path, what="Valuation configuration")


def load(name: str, *, whole: bool = False) -> dict[str, Any]:
    """The configuration file `name` (relative to the config directory), with the region's override."""
    default = DEFAULTS_DIR / name
    data = read_json(default) if default.exists() else {}
    directory = override_dir()
    if directory is not None and (directory / name).exists():
        override = read_json(directory / name)
        data = override if whole else merge(data, override)
    if not data:
        raise ImproperlyConfigured(f"Valuation configuration {name} not found")
    return data


def names_in(subdir: str) -> list[str]:
    """The JSON files (without suffix) in a config subdirectory, defaults and overrides together."""
    found = {p.stem for p in (DEFAULTS_DIR / subdir).glob("*.json")}
    directory = override_dir()
    if directory is not None:
        found |= {p.stem for p in (directory / subdir).glob("*.json")}
    return sorted(found)
