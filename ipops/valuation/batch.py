"""Batch value scores of every patent in the snapshot, in one DuckDB query (vectorised).

Only the computed indicators enter a batch score (validity, remaining life, IPC breadth, life cycle; the
first claim is not in the snapshot), so a batch score is a *partial* score: the scenario's weights of those
indicators, rescaled to sum to 1 (`coverage` says what share of the scenario's weight they carry). The rules
are the same as `ipops.valuation.indicators` + `formulas.scoring` for one patent; `score_row` is that
per-patent path over one row, used by the tests (same results) and the benchmark (the baseline).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pyarrow as pa

from ipops.valuation import catalogue
from ipops.valuation.formulas import scoring
from ipops.valuation.formulas.errors import ValuationInputError
from ipops.valuation.indicators import life_cycle_stages, remaining_years

BATCH_INDICATORS: tuple[str, ...] = ("validity", "remaining_life", "field_count", "field_scope", "life_cycle")

SCHEMA = pa.schema(
    [
        pa.field("patent_id", pa.string(), nullable=False),
        ("pub_number", pa.string()),
        ("score", pa.float64()),
        ("grade", pa.string()),
        ("legal", pa.float64()),
        ("technical", pa.float64()),
        ("economic", pa.float64()),
        ("coverage", pa.float64()),
    ]
)


def _lit(value: Any) -> str:
    """A SQL literal of a configuration value (a number, a string or a date); never user text."""
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def _case(column: str, mapping: Mapping[str, Any]) -> str:
    parts = " ".join(f"WHEN {_lit(key)} THEN {_lit(value)}" for key, value in mapping.items())
    return f"CASE {column} {parts} END" if parts else "CAST(NULL AS DOUBLE)"


def _table_lookup(count: str, table: list[Any]) -> str:
    """table[min(count, len) − 1], NULL when count is 0."""
    parts = [f"WHEN {count} = {i + 1} THEN {_lit(v)}" for i, v in enumerate(table[:-1])]
    parts.append(f"WHEN {count} >= {len(table)} THEN {_lit(table[-1])}")
    return f"CASE WHEN coalesce({count}, 0) = 0 THEN NULL {' '.join(parts)} END"


def score_table(
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    scenario: str | None = None,
    as_of: date | None = None,
    stages: Mapping[str, str] | None = None,
    patent_ids: list[str] | None = None,
) -> pa.Table:
    """patent_id, pub_number, score, grade, legal/technical/economic dimension scores, coverage; of every
    patent, or of `patent_ids` only. `stages` (main subclass → life-cycle stage) defaults to the fits over
    the snapshot, cached per snapshot generation."""
    from ipops.corpus.query import connect

    own = con is None
    db = connect() if con is None else con
    try:
        as_of = as_of or date.today()
        rules = catalogue.scoring_rules()
        computed = rules["computed"]
        chosen = catalogue.scenario(scenario)
        indicators = catalogue.indicators()
        if stages is None:
            stages = cached_stages(db, as_of, computed, own_snapshot=own)
        return _score(db, chosen, indicators, rules, computed, stages, as_of, patent_ids)
    finally:
        if own:
            db.close()


def _score(
    db: duckdb.DuckDBPyConnection,
    chosen: scoring.Scenario,
    indicators: Mapping[str, scoring.Indicator],
    rules: Mapping[str, Any],
    computed: Mapping[str, Any],
    stages: Mapping[str, str],
    as_of: date,
    patent_ids: list[str] | None = None,
) -> pa.Table:
    validity = _case("p.legal_status", computed["validity"])
    terms = computed["term_years"]
    term = (
        f"CASE p.patent_type WHEN 'invention' THEN {int(terms['invention'])} "
        f"WHEN 'utility_model' THEN {int(terms['utility_model'])} "
        f"WHEN 'design' THEN CASE WHEN p.app_date >= DATE '2021-06-01' THEN {int(terms['design_from_2021_06_01'])} "
        f"ELSE {int(terms['design'])} END END"
    )
    full = _lit(computed["remaining_life_full_score_years"])
    remaining = (
        f"CASE WHEN p.app_date IS NULL OR ({term}) IS NULL THEN NULL ELSE round(greatest(0.0, least(100.0, "
        f"100.0 * round(date_diff('day', {_lit(as_of)}, p.app_date + to_years({term})) / 365.25, 2) / {full})), 2) END"
    )
    count = _table_lookup("b.subclasses", list(computed["field_count"]))
    classes = _table_lookup("b.classes", list(computed["field_scope_classes"]))
    by_sections = computed["field_scope_sections"]
    top = max(int(k) for k in by_sections)
    section_parts = [
        f"WHEN b.sections {'>=' if int(key) == top else '='} {int(key)} THEN {_lit(by_sections[key])}"
        for key in sorted(by_sections, key=int)
    ]
    scope = f"CASE WHEN coalesce(b.classes, 0) = 0 THEN NULL {' '.join(section_parts)} ELSE {classes} END"
    stage_scores = computed["life_cycle"]
    expressions = {
        "validity": validity,
        "remaining_life": remaining,
        "field_count": count,
        "field_scope": scope,
        "life_cycle": "s.score",
    }
    weights = {c: float(w) for c, w in chosen.weights.items() if c in BATCH_INDICATORS}
    if not weights:
        raise ValueError(f"scenario {chosen.key} weights none of the computed indicators")
    select = ", ".join(f"({expressions[c]}) AS {c}" for c in weights)
    num = " + ".join(f"coalesce({c}, 0) * {w!r}" for c, w in weights.items())
    den = " + ".join(f"CASE WHEN {c} IS NULL THEN 0 ELSE {w!r} END" for c, w in weights.items())
    dims = {}
    for dimension in scoring.DIMENSIONS:
        codes = [c for c in weights if indicators[c].dimension == dimension]
        if codes:
            n = " + ".join(f"coalesce({c}, 0) * {weights[c]!r}" for c in codes)
            d = " + ".join(f"CASE WHEN {c} IS NULL THEN 0 ELSE {weights[c]!r} END" for c in codes)
            dims[dimension] = f"CASE WHEN ({d}) > 0 THEN round(({n}) / ({d}), 2) END"
        else:
            dims[dimension] = "CAST(NULL AS DOUBLE)"
    grade_parts = [f"WHEN score >= {_lit(e['min'])} THEN {_lit(str(e['grade']))}" for e in rules["grades"]]
    total_weight = float(sum(chosen.weights.values()))
    stage_table = pa.table(
        {
            "subclass": pa.array(list(stages), pa.string()),
            "score": pa.array(
                [float(stage_scores[s]) if s in stage_scores else None for s in stages.values()], pa.float64()
            ),
        }
    )
    sql = f"""
        WITH b AS (
            SELECT patent_id, count(DISTINCT left(replace(upper(code), ' ', ''), 4)) AS subclasses,
                   count(DISTINCT left(replace(upper(code), ' ', ''), 3)) AS classes,
                   count(DISTINCT left(code, 1)) AS sections
            FROM classifications WHERE scheme = 'ipc' AND length(replace(code, ' ', '')) >= 4
            {"AND patent_id IN (SELECT patent_id FROM _only)" if patent_ids is not None else ""}
            GROUP BY patent_id
        ), i AS (
            SELECT p.id, p.pub_number, {select}
            FROM patents p LEFT JOIN b ON b.patent_id = p.id LEFT JOIN _stages s ON s.subclass = p.main_subclass
            {"WHERE p.id IN (SELECT patent_id FROM _only)" if patent_ids is not None else ""}
        ), t AS (
            SELECT id, pub_number, CASE WHEN ({den}) > 0 THEN round(({num}) / ({den}), 2) END AS score,
                   {", ".join(f"{expr} AS {name}" for name, expr in dims.items())},
                   round(({den}) / {total_weight!r}, 4) AS coverage
            FROM i
        )
        SELECT id AS patent_id, pub_number, score, CASE WHEN score IS NULL THEN NULL {" ".join(grade_parts)} END AS grade,
               legal, technical, economic, coverage
        FROM t ORDER BY patent_id
    """  # noqa: S608 (indicator codes and weights come from validated configuration; values are parameters)
    cursor = db.cursor()
    try:
        cursor.register("_stages", stage_table)
        if patent_ids is not None:
            cursor.register("_only", pa.table({"patent_id": pa.array(patent_ids, pa.string())}))
        table = cursor.sql(sql).to_arrow_table()
    finally:
        cursor.close()
    return table.cast(SCHEMA)


def cached_stages(
    con: duckdb.DuckDBPyConnection, as_of: date, rules: Mapping[str, Any], *, own_snapshot: bool
) -> dict[str, str]:
    """Life-cycle stages of the snapshot's subclasses; for the platform's own snapshot, cached per snapshot
    generation and day (the fits take a while on a large corpus and only change with the data)."""
    if not own_snapshot:
        return life_cycle_stages(con, as_of, rules)
    from django.core.cache import cache

    from ipops.corpus.query import snapshot_info

    info = snapshot_info() or {}
    stamp = f"{info.get('generation')}|{info.get('refreshed_at')}|{as_of.isoformat()}"
    key = "valuation-stages-" + hashlib.sha256(stamp.encode()).hexdigest()[:32]
    found = cache.get(key)
    if found is None:
        found = life_cycle_stages(con, as_of, rules)
        cache.set(key, found, 24 * 3600)
    return dict(found)


def score_row(
    row: Mapping[str, Any],
    *,
    scenario: scoring.Scenario,
    indicators: Mapping[str, scoring.Indicator],
    rules: Mapping[str, Any],
    stages: Mapping[str, str],
    as_of: date,
) -> dict[str, Any]:
    """The per-patent path over one snapshot row (fields: legal_status, patent_type, app_date, main_subclass,
    subclasses, classes, sections): the same partial score as `score_table`."""
    computed = rules["computed"]
    scores: dict[str, Decimal | None] = {
        "validity": scoring.validity_score(row["legal_status"] or "", computed),
        "remaining_life": scoring.remaining_life_score(
            remaining_years(row["patent_type"] or "", row["app_date"], as_of, computed), computed
        ),
        "field_count": scoring.field_count_score(int(row["subclasses"] or 0), computed),
        "field_scope": scoring.field_scope_score(
            int(row["classes"] or 0), int(row["sections"] or 0), computed
        ),
        "life_cycle": scoring.life_cycle_score(stages.get(row["main_subclass"] or ""), computed),
    }
    try:
        result = scoring.score(scores, scenario, indicators, rules["grades"], partial=True)
    except ValuationInputError:  # no computed indicator at all: no score
        return {"score": None, "grade": None}
    return {
        "score": result.total,
        "grade": result.grade,
        "coverage": result.coverage.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        **result.dimensions,
    }


BREADTH_SQL = """
    SELECT p.id AS patent_id, p.pub_number, p.legal_status, p.patent_type, p.app_date, p.main_subclass,
           b.subclasses, b.classes, b.sections
    FROM patents p LEFT JOIN (
        SELECT patent_id, count(DISTINCT left(replace(upper(code), ' ', ''), 4)) AS subclasses,
               count(DISTINCT left(replace(upper(code), ' ', ''), 3)) AS classes,
               count(DISTINCT left(code, 1)) AS sections
        FROM classifications WHERE scheme = 'ipc' AND length(replace(code, ' ', '')) >= 4 GROUP BY patent_id
    ) b ON b.patent_id = p.id ORDER BY p.id
"""
