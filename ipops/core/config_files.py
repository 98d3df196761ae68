"""Rules a region may change live in JSON data files: a module's shipped defaults, overridden by a file the
region names in a setting. This is the one way such files are read, so that every module reports a bad
file the same way (ImproperlyConfigured naming the file) and merges an override the same way (key by key,
nested objects too: an override holds only the keys it changes).

Keys that start with "_" are comments for the people who edit the files (`"_doc": "…"`); they are kept in
what `read_json_object` returns and dropped by `without_comments`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured


def read_json_object(path: Path, *, what: str) -> dict[str, Any]:
    """The JSON object in `path`; `what` names the configuration in the error ("Valuation configuration")."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"{what} {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{what} {path} must hold a JSON object")
    return data


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override` applied key by key (nested objects merged, anything else replaced)."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def load_with_override(default: Path, override: str | Path | None, *, what: str) -> dict[str, Any]:
    """The defaults in `default`, merged with the file `override` names (when it names one)."""
    data = read_json_object(default, what=what)
    if override:
        data = merged(data, read_json_object(Path(override), what=what))
    return data


def without_comments(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if not key.startswith("_")}
