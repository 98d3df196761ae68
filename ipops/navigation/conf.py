"""Navigation configuration: `config/defaults.json`, overridden key by key by the JSON file named by the
``IPOPS_NAVIGATION_CONFIG`` setting; resident population per region from `config/population.csv` or the
CSV named by ``IPOPS_NAVIGATION_POPULATION`` (columns region_code, name, population, year, source)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ipops.core.config_files import load_with_override

CONFIG_DIR = Path(__file__).resolve().parent / "config"


def load_config() -> dict[str, Any]:
    config = load_with_override(
        CONFIG_DIR / "defaults.json",
        getattr(settings, "IPOPS_NAVIGATION_CONFIG", None),
        what="Navigation configuration",
    )
    for key in ("sample_size", "max_sample_size", "max_reference_numbers", "hit_preview", "overview_top"):
        if not isinstance(config.get(key), int) or config[key] < 1:
            raise ImproperlyConfigured(f"Navigation configuration: {key} must be a positive whole number")
    if not 0 < float(config.get("confidence", 0)) < 1:
        raise ImproperlyConfigured("Navigation configuration: confidence must be between 0 and 1")
    return config


@dataclass(frozen=True)
class Population:
    region_code: str
    name: str
    population: int
    year: str
    source: str


def population_path() -> Path:
    override = getattr(settings, "IPOPS_NAVIGATION_POPULATION", None)
    return Path(override) if override else CONFIG_DIR / str(load_config()["population_file"])


def load_population() -> dict[str, Population]:
    """Resident population by GB/T 2260 code (a [confirm] default: replace it with official figures)."""
    path = population_path()
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ImproperlyConfigured(f"Population file {path} cannot be read: {exc}") from exc
    found: dict[str, Population] = {}
    for line, row in enumerate(rows, start=2):
        code = (row.get("region_code") or "").strip()
        try:
            people = int((row.get("population") or "").replace(",", "").strip())
        except ValueError:
            raise ImproperlyConfigured(
                f"Population file {path}, line {line}: population is not a number"
            ) from None
        if len(code) != 6 or not code.isdigit() or people <= 0:
            raise ImproperlyConfigured(
                f"Population file {path}, line {line}: needs a 6-digit code and a population"
            )
        found[code] = Population(
            code, (row.get("name") or "").strip(), people, row.get("year") or "", row.get("source") or ""
        )
    return found
