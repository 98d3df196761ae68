"""Load the IPC ↔ industry concordances.

    python manage.py load_industries                                   # the bundled STARTER mappings
    python manage.py load_industries --official FILE --scheme KEY      # an official table (CSV or XLSX)

Without ``--official``, the starter mappings bundled in ``ipops/reference/data/industries/`` are loaded
for every scheme that has not been loaded from an official table (``--replace-official`` overrides that).
Schemes: ``gbt4754`` (国际专利分类与国民经济行业分类参照关系表 2018), ``patent_intensive`` (2019),
``strategic_emerging``, ``plan_key``. The table layout is described in `ipops.reference.industries`.
Exit status 0 when loaded; a malformed table is reported with its line and nothing is changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipops.reference.industries import IndustryLoadError, load_industry_table, load_starters, scheme_specs


class Command(BaseCommand):
    help = "Load the IPC–industry concordances: the bundled starter mappings, or an official table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--official", type=Path, help="official table (CSV or XLSX) to load into --scheme"
        )
        parser.add_argument("--scheme", help="scheme key: " + ", ".join(sorted(scheme_specs())))
        parser.add_argument(
            "--replace-official",
            action="store_true",
            help="load the starter mappings even over schemes loaded from an official table",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        official: Path | None = options["official"]
        scheme: str | None = options["scheme"]
        if (official is None) != (scheme is None):
            raise CommandError("--official and --scheme go together")
        try:
            if official is not None and scheme is not None:
                results = [load_industry_table(scheme=scheme, path=official, is_starter=False)]
            else:
                results = load_starters(replace_official=options["replace_official"])
        except IndustryLoadError as error:
            raise CommandError(str(error)) from error
        for result in results:
            label = (
                "STARTER mapping (replace with the official table)" if result.is_starter else "official table"
            )
            self.stdout.write(
                f"{result.scheme}: {result.industries:,} industries, {result.prefixes:,} IPC prefixes "
                f"from {Path(result.path).name} — {label}"
            )
        if not results:
            self.stdout.write("Nothing loaded: every scheme is loaded from an official table.")
