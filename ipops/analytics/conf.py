"""Configuration of the navigation analyses: `config/defaults.json`, overridden by the file named by the
``IPOPS_ANALYTICS_CONFIG`` setting (any subset of the keys; nested objects are merged key by key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ipops.core.config_files import load_with_override

DEFAULTS_FILE = Path(__file__).resolve().parent / "config" / "defaults.json"


def load_config() -> dict[str, Any]:
    """The effective configuration (defaults plus the region's override), validated."""
    config = load_with_override(
        DEFAULTS_FILE, getattr(settings, "IPOPS_ANALYTICS_CONFIG", None), what="Analytics configuration"
    )
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
