"""The registry's rules as data (`rules.json`, or the file named by the IPOPS_ASSET_RULES_FILE setting)."""

from __future__ import annotations

import functools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

BUNDLED_RULES = Path(__file__).resolve().parent / "rules.json"


@functools.lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    path = Path(getattr(settings, "IPOPS_ASSET_RULES_FILE", "") or BUNDLED_RULES)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def trademark_term_years() -> int:
    return int(rules()["trademark"]["term_years"])


def nice_class_range() -> tuple[int, int]:
    tm = rules()["trademark"]
    return int(tm["nice_class_min"]), int(tm["nice_class_max"])


def latest_years_ahead() -> int:
    return int(rules()["dates"]["latest_years_ahead"])


def default_trademark_expiry(registered: date) -> date:
    """The end of the term that starts on the registration date (商标法 art. 39; see rules.json)."""
    years = trademark_term_years()
    try:
        anniversary = registered.replace(year=registered.year + years)
    except ValueError:  # registered on 29 February, the anniversary year has none
        anniversary = date(registered.year + years, 3, 1)
    if rules()["trademark"].get("term_ends_day_before_anniversary", True):
        return anniversary - timedelta(days=1)
    return anniversary
