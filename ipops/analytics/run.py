"""The public entry point: `run_analyses(scope, backend=..., snapshot=..., progress=...)` → plain data.

The result is JSON-serialisable (``analyses.json`` is it, written as is)::

    {"scope": {...}, "backend": "duckdb", "snapshot": {...}, "cutoff": "2019-07-09",
     "incomplete_from": "2018-01-09", "incomplete_months": 18, "empty": false, "notes": [...],
     "modules": {"overview": {...}, "trend": {...}, "lifecycle": {...}, "applicants": {...},
                 "technology": {...}, "regions": {...}, "key_patents": {...}, "industry": {...}}}

A scope that matches nothing gives ``"empty": true`` and empty module tables, not an error.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from django.utils.translation import gettext as _

from ipops.analytics.conf import load_config
from ipops.analytics.engine import Tables, open_tables, rows
from ipops.analytics.modules import MODULES, Context
from ipops.analytics.scope import Scope


class ProgressLike(Protocol):
    def set_total(self, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def message(self, text: str) -> None: ...


def data_cutoff(tables: Tables) -> date:
    """The data cut-off: the latest publication date in the whole snapshot (else application date)."""
    p = tables.patents
    found = rows(p.agg(pub=p.pub_date.max(), app=p.app_date.max()))[0]
    value = found["pub"] or found["app"]
    return value if isinstance(value, date) else date.today()


def run_analyses(
    scope: Scope,
    *,
    backend: str = "duckdb",
    snapshot: Path | str | None = None,
    progress: ProgressLike | None = None,
    config: dict[str, Any] | None = None,
    check_ipc: bool = True,
) -> dict[str, Any]:
    """Every navigation module over the patents `scope` selects, on one snapshot and one backend.

    Raises `ScopeError` (translatable message) for IPC codes the loaded scheme does not have;
    `SnapshotMissingError` when there is no snapshot; `BackendError` for an unknown backend.
    """
    config = config or load_config()
    notes = scope.check_known_ipc() if check_ipc else []
    if progress is not None:
        progress.set_total(len(MODULES))
    tables = open_tables(backend, snapshot)
    timings: dict[str, float] = {}
    try:
        cutoff = data_cutoff(tables)
        ctx = Context(tables=tables, scope=scope, config=config, cutoff=cutoff, notes=notes)
        modules: dict[str, Any] = {}
        for name, module in MODULES:
            if progress is not None:
                progress.message(_("Analysing: %(module)s") % {"module": name})
            started = time.perf_counter()
            modules[name] = module(ctx)
            timings[name] = round(time.perf_counter() - started, 4)
            if progress is not None:
                progress.advance(1)
        empty = modules["overview"]["total"] == 0
        if empty:
            notes.append(
                _(
                    "No patent matches this scope. Widen it (fewer IPC codes or keywords, a larger region, "
                    "more years) or check that the patents are imported and the snapshot refreshed."
                )
            )
        return {
            "scope": scope.as_dict(),
            "backend": backend,
            "snapshot": tables.info,
            "cutoff": cutoff.isoformat(),
            "incomplete_from": modules["overview"]["incomplete_from"],
            "incomplete_months": int(config["incomplete_months"]),
            "empty": empty,
            "notes": notes,
            "modules": modules,
            "timings": timings,
        }
    finally:
        tables.close()


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The result without what legitimately differs between runs (backend, timings)."""
    return {k: v for k, v in result.items() if k not in ("backend", "timings")}
