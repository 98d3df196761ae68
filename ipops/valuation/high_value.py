"""CNIPA's five categories of high-value invention patents (STANDARDS.md §3), for every patent at once.

A *valid invention patent* is high-value when it meets any of:

1. ``strategic_emerging_industry``: an IPC code of the patent falls in a strategic emerging industry
   (the IPC concordance of `ipops.reference.industries`; undeterminable while none is loaded);
2. ``family_granted_abroad``: a member of its family is granted abroad (undeterminable: the platform holds
   no family data unless ``family_data_held`` is set in the configuration);
3. ``maintained_over_10_years``: kept in force more than `maintained_years` (default 10) counted from
   `maintained_from` (default the application date) up to `as_of` (default today) — or up to the day the
   source's legal statuses were current (`Dataset.status_as_of`, given at import) when that is earlier, since
   validity is only known up to then; when the years are reached only after that day the category is
   undeterminable ("would be, if still in force");
4. ``pledge_financing``: pledged for more than `pledge_threshold_yuan` (undeterminable until the platform
   keeps pledge registrations: the finance module);
5. ``award``: a national science and technology award or a China Patent Award (met when entered on the
   platform, see `PatentAward`; otherwise undeterminable unless the region declares its award register
   complete).

Everything is computed in one DuckDB query over the Parquet snapshot (`ipops.corpus.query.connect`), so it
is vectorised whatever the corpus size. Per patent the result says which categories are met, which cannot
be determined from the data held, and ``is_high_value``: true (valid invention, a category met), false (not
an invention, known not to be valid, or no category met and none undeterminable) or null (unknown: a
category might be met but the data cannot say, or validity is unknown while a category is met).

The legal status is the one held (from the last import); ``""`` (unknown) makes validity unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ipops.valuation import conf

CATEGORIES: tuple[str, ...] = (
    "strategic_emerging_industry",
    "family_granted_abroad",
    "maintained_over_10_years",
    "pledge_financing",
    "award",
)
CATEGORY_LABELS = {
    "strategic_emerging_industry": _("Strategic emerging industry"),
    "family_granted_abroad": _("Family member granted abroad"),
    "maintained_over_10_years": _("Maintained more than 10 years"),
    "pledge_financing": _("Pledge financing above the threshold"),
    "award": _("National S&T award or China Patent Award"),
}
WHY_UNDETERMINABLE = {
    "strategic_emerging_industry": _(
        "No IPC concordance of strategic emerging industries is loaded, or the patent has no IPC code."
    ),
    "family_granted_abroad": _("The platform holds no patent family data."),
    "maintained_over_10_years": _("The patent has no application (or grant) date."),
    "pledge_financing": _("The platform does not keep pledge registrations yet (finance module)."),
    "award": _("No award is entered for this patent and the award register is not declared complete."),
}

SCHEMA = pa.schema(
    [
        pa.field("patent_id", pa.string(), nullable=False),
        ("pub_number", pa.string()),
        ("met", pa.list_(pa.string())),
        ("undeterminable", pa.list_(pa.string())),
        ("is_high_value", pa.bool_()),
        ("valid", pa.bool_()),
    ]
)


def load_config(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The thresholds: `config/high_value.json`, the region's override, then `config` (any subset)."""
    data = conf.load("high_value.json")
    if config:
        data = conf.merge(data, dict(config))
    years = data.get("maintained_years")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise ImproperlyConfigured("high_value.maintained_years must be a whole number of years, 1 or more")
    if data.get("maintained_from") not in ("app_date", "grant_date"):
        raise ImproperlyConfigured("high_value.maintained_from must be 'app_date' or 'grant_date'")
    for key in ("eligible_types", "valid_statuses", "invalid_statuses"):
        if not isinstance(data.get(key), list) or not all(isinstance(v, str) for v in data[key]):
            raise ImproperlyConfigured(f"high_value.{key} must be a list of strings")
    return data


def industry_codes(codes: Iterable[str], scheme: str) -> set[str] | None:
    """The codes among `codes` that the concordance puts in an industry of `scheme`; None while no
    concordance of the scheme is loaded (the category is then undeterminable)."""
    from ipops.reference import industries

    if not industries.concordance(scheme):
        return None
    table = industries.industry_table(codes, scheme)
    return {str(code) for code in table.column("ipc").to_pylist()}


def industry_is_starter(scheme: str) -> bool | None:
    """Whether the loaded concordance of `scheme` is the bundled STARTER mapping (None: not loaded)."""
    from ipops.reference.models import IndustryScheme

    record = IndustryScheme.objects.filter(key=scheme).first()
    if record is None:
        return None
    return bool(record.is_starter)


def awarded_patent_ids() -> list[str]:
    """Ids of patents with an entered national S&T award or China Patent Award."""
    if not apps.is_installed("ipops.valuation"):
        return []
    model = apps.get_model("valuation", "PatentAward")
    return [str(pk) for pk in model.objects.values_list("patent_id", flat=True).distinct()]


def status_dates() -> dict[str, date]:
    """Per source (dataset name): the day its legal statuses were current, where the operator gave it."""
    from ipops.patents.models import Dataset

    rows = Dataset.objects.exclude(status_as_of=None).values_list("name", "status_as_of")
    return {name: day for name, day in rows if day is not None}


def _connection(con: duckdb.DuckDBPyConnection | None) -> tuple[duckdb.DuckDBPyConnection, bool]:
    if con is not None:
        return con, False
    from ipops.corpus.query import connect

    return connect(), True


def high_value_table(
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    config: Mapping[str, Any] | None = None,
    as_of: date | None = None,
    awarded: Iterable[str] | None = None,
    patent_ids: list[str] | None = None,
) -> pa.Table:
    """One row per patent of the snapshot: patent_id, pub_number, met, undeterminable, is_high_value
    (null = unknown) and valid (null = unknown). `awarded` defaults to the awards entered on the platform;
    `patent_ids` limits the rows to those patents."""
    cfg = load_config(config)
    as_of = as_of or date.today()
    db, own = _connection(con)
    try:
        awards = list(awarded) if awarded is not None else awarded_patent_ids()
        return _compute(db, cfg, as_of, awards, patent_ids, status_dates())
    finally:
        if own:
            db.close()


def _compute(
    db: duckdb.DuckDBPyConnection,
    cfg: dict[str, Any],
    as_of: date,
    awarded: list[str],
    patent_ids: list[str] | None,
    known: Mapping[str, date],
) -> pa.Table:
    codes = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT replace(upper(code), ' ', '') FROM classifications WHERE scheme = 'ipc' "
            "UNION SELECT DISTINCT replace(upper(main_ipc), ' ', '') FROM patents WHERE main_ipc <> ''"
        ).fetchall()
        if row[0]
    ]
    industry = industry_codes(codes, str(cfg["industry_scheme"]))
    cursor = db.cursor()  # its own result and registrations, so they go whatever happens
    cursor.register("_hv_industry", pa.table({"code": pa.array(sorted(industry or ()), pa.string())}))
    if patent_ids is not None:
        cursor.register("_hv_only", pa.table({"patent_id": pa.array(patent_ids, pa.string())}))
    cursor.register("_hv_awarded", pa.table({"patent_id": pa.array(sorted(set(awarded)), pa.string())}))
    cursor.register(
        "_hv_known",
        pa.table(
            {
                "dataset": pa.array(list(known), pa.string()),
                "as_of": pa.array(list(known.values()), pa.date32()),
            }
        ),
    )

    params: list[Any] = []

    def in_list(values: list[str]) -> str:
        params.extend(values)
        return "(" + ", ".join("?" for _ in values) + ")" if values else "(NULL)"

    eligible = f"coalesce(p.patent_type, '') IN {in_list(cfg['eligible_types'])}"
    valid = (
        f"CASE WHEN p.legal_status IN {in_list(cfg['valid_statuses'])} THEN TRUE "
        f"WHEN p.legal_status IN {in_list(cfg['invalid_statuses'])} THEN FALSE END"
    )
    column = "p.app_date" if cfg["maintained_from"] == "app_date" else "p.grant_date"
    # in force more than N years by the day validity is known (the source's status date, else as_of); past
    # that day only "would be, if still in force": undeterminable
    years = int(cfg["maintained_years"])
    params.extend([years, as_of, as_of, years, as_of])
    since = f"{column} + to_years(CAST(? AS INTEGER))"
    known_on = (
        "least(CAST(? AS DATE), coalesce((SELECT k.as_of FROM _hv_known k WHERE k.dataset = p.dataset), "
        "CAST(? AS DATE)))"
    )
    maintained = (
        f"CASE WHEN {column} IS NULL THEN NULL WHEN {since} < {known_on} THEN TRUE "
        f"WHEN {since} < CAST(? AS DATE) THEN NULL ELSE FALSE END"
    )
    if industry is None:
        strategic = "CAST(NULL AS BOOLEAN)"
    else:
        strategic = (
            "CASE WHEN p.main_ipc = '' AND NOT EXISTS (SELECT 1 FROM classifications c WHERE c.patent_id = p.id "
            "AND c.scheme = 'ipc') THEN NULL "
            "ELSE replace(upper(p.main_ipc), ' ', '') IN (SELECT code FROM _hv_industry) OR EXISTS (SELECT 1 "
            "FROM classifications c JOIN _hv_industry i ON replace(upper(c.code), ' ', '') = i.code "
            "WHERE c.patent_id = p.id AND c.scheme = 'ipc') END"
        )
    family = "FALSE" if cfg.get("family_data_held") else "CAST(NULL AS BOOLEAN)"
    pledge = "CAST(NULL AS BOOLEAN)"  # no pledge registrations are kept yet
    award_missing = "FALSE" if cfg.get("award_register_complete") else "NULL"
    award = f"CASE WHEN p.id IN (SELECT patent_id FROM _hv_awarded) THEN TRUE ELSE {award_missing} END"  # noqa: S608 (our own SQL text)
    flags = [strategic, family, maintained, pledge, award]
    met = ", ".join(f"CASE WHEN f.c{i} THEN '{name}' END" for i, name in enumerate(CATEGORIES))
    unknown = ", ".join(f"CASE WHEN f.c{i} IS NULL THEN '{name}' END" for i, name in enumerate(CATEGORIES))
    select_flags = ", ".join(f"({flag}) AS c{i}" for i, flag in enumerate(flags))
    sql = f"""
        WITH f AS (
            SELECT p.id, p.pub_number, ({eligible}) AS eligible, ({valid}) AS valid, {select_flags}
            FROM patents p {"WHERE p.id IN (SELECT patent_id FROM _hv_only)" if patent_ids is not None else ""}
        ), l AS (
            SELECT id, pub_number, eligible, valid,
                   CASE WHEN eligible AND valid IS NOT FALSE
                        THEN list_filter([{met}], lambda x: x IS NOT NULL) ELSE [] END AS met,
                   CASE WHEN eligible AND valid IS NOT FALSE
                        THEN list_filter([{unknown}], lambda x: x IS NOT NULL) ELSE [] END AS undeterminable
            FROM f
        )
        SELECT id AS patent_id, pub_number, met, undeterminable,
               CASE WHEN NOT eligible OR valid IS FALSE THEN FALSE
                    WHEN len(met) > 0 AND valid THEN TRUE
                    WHEN len(met) > 0 THEN NULL
                    WHEN len(undeterminable) > 0 THEN NULL
                    ELSE FALSE END AS is_high_value,
               valid
        FROM l ORDER BY patent_id
    """  # noqa: S608 (column names and category names are ours; every value is a parameter)
    try:
        table = cursor.sql(sql, params=params).to_arrow_table()
    finally:
        cursor.close()
    return table.cast(SCHEMA)


def summary(
    table: pa.Table | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    config: Mapping[str, Any] | None = None,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Counts: patents, high-value true / false / unknown, and per category how many meet it and for how
    many it is undeterminable. Pass a `high_value_table` result, or a connection (computed here)."""
    if table is None:
        table = high_value_table(con, config=config, as_of=as_of)
    scratch = duckdb.connect(":memory:")
    try:
        scratch.register("hv", table)
        row = scratch.execute(
            "SELECT count(*), count(*) FILTER (is_high_value), count(*) FILTER (NOT is_high_value), "
            "count(*) FILTER (is_high_value IS NULL) FROM hv"
        ).fetchone()
        met = dict(
            scratch.execute("SELECT m, count(*) FROM (SELECT unnest(met) AS m FROM hv) GROUP BY m").fetchall()
        )
        unknown = dict(
            scratch.execute(
                "SELECT u, count(*) FROM (SELECT unnest(undeterminable) AS u FROM hv) GROUP BY u"
            ).fetchall()
        )
    finally:
        scratch.close()
    total, high, low, unknown_count = (int(v) for v in (row or (0, 0, 0, 0)))
    return {
        "patents": total,
        "high_value": high,
        "not_high_value": low,
        "unknown": unknown_count,
        "categories": {
            name: {"met": int(met.get(name, 0)), "undeterminable": int(unknown.get(name, 0))}
            for name in CATEGORIES
        },
    }
