"""Configuration of the navigation analyses: `config/defaults.json`, overridden by the file named by the
``IPOPS_ANALYTICS_CONFIG`` setting (any subset of the keys; nested objects are merged key by key)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS_FILE = Path(__file__).resolve().parent / "config" / "defaults.json"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"Analytics configuration {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"Analytics configuration {path} must hold a JSON object")
    return data


def load_config() -> dict[str, Any]:
    """The effective configuration (defaults plus the region's override), validated."""
    config = _read(DEFAULTS_FILE)
    override = getattr(settings, "IPOPS_ANALYTICS_CONFIG", None)
    if override:
        config = _merge(config, _read(Path(override)))
    cutoffs = config.get("stage_cutoffs_percent")
    if (
        not isinstance(cutoffs, list)
        or len(cutoffs) != 3
        or not all(isinstance(c, (int, float)) for c in cutoffs)
        or not 0 < cutoffs[0] < cutoffs[1] < cutoffs[2] < 100
    ):
        raise ImproperlyConfigured(
            "stage_cutoffs_percent must be three increasing percentages between 0 and 100"
        )
    months = config.get("incomplete_months")
    if not isinstance(months, int) or months < 0:
        raise ImproperlyConfigured("incomplete_months must be a whole number of months, 0 or more")
    return config
