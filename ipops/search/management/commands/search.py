"""Keyword search from the command line: `manage.py search QUERY [--top N] [--json]`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ipops.search import engine, present


class Command(BaseCommand):
    help = "Keyword search over the patents (same query language as the search page)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("query")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError("--top must be at least 1")
        try:
            result = engine.keyword_search(options["query"], limit=options["top"])
        except engine.IndexMissingError as exc:
            raise CommandError(
                "The search index has not been built yet: run `manage.py rebuild_index`."
            ) from exc
        scores = dict(result.hits)
        patents = present.patents_in_order([pid for pid, _s in result.hits])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "query": options["query"],
                        "notes": result.notes,
                        "total": result.total,
                        "results": [
                            {
                                "publication_number": p.number,
                                "title": p.title,
                                "score": round(scores[str(p.pk)], 4),
                            }
                            for p in patents
                        ],
                        "facets": {k: dict(v) for k, v in result.facets.items()},
                    },
                    ensure_ascii=False,
                )
            )
            return
        for note in result.notes:
            self.stderr.write(note)
        self.stdout.write(f"{result.total} patents match")
        for p in patents:
            self.stdout.write(f"{scores[str(p.pk)]:8.3f}  {p.number:<16} {p.title}")
