"""The navigation analysis modules (STANDARDS.md §1), each written once as Ibis expressions.

Every module takes a `Context` (the snapshot's tables on one backend, the scope, the configuration, the data
cut-off) and returns plain JSON-serialisable data: summary figures, notes, and a data table
(``{"columns": [[key, label], …], "rows": [{key: value}, …]}``) that the report shows beside each chart.

Engines aggregate to integers; ratios and formulas are computed here in Python from those integers
(`ipops.analytics.formulas`), and every ordering has a full tie-break, so DuckDB and Spark give identical
results. Counts are by application (one record per patent): the snapshot holds no family identifiers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ibis import _ as D

from ipops.analytics import formulas
from ipops.analytics.engine import Tables, rows
from ipops.analytics.scope import Scope

LIVE_STATUSES = ("", "published", "granted")


@dataclass
class Context:
    tables: Tables
    scope: Scope
    config: dict[str, Any]
    cutoff: date
    notes: list[str] = field(default_factory=list)

    @property
    def months(self) -> int:
        return int(self.config["incomplete_months"])

    def incomplete(self, year: int) -> bool:
        return formulas.is_incomplete_year(year, self.cutoff, self.months)

    # The scoped tables, each computed once per run (`Tables.materialise`). Patents carry a row key ``rid``
    # and IPC codes, subclasses and main groups integer ids (dictionaries of the snapshot's values), so the
    # per-patent groupings and joins below work on integers rather than on 32-character ids and code
    # strings; counts of distinct patents (or applicants) are counts over tables deduplicated once, not
    # COUNT(DISTINCT) over the raw rows.

    @cached_property
    def patents(self) -> ir.Table:
        """The patents in scope with their row key ``rid`` (all columns but the title and the abstract)."""
        scoped = scoped_patents(self.tables, self.scope)
        kept = scoped.select(*[c for c in scoped.columns if c not in ("title", "abstract")])
        return self.tables.materialise(self.tables.with_row_key(kept))

    @cached_property
    def keys(self) -> ir.Table:
        return self.patents.select(kid=self.patents.id, rid=self.patents.rid)

    @cached_property
    def code_ids(self) -> ir.Table:
        """Every IPC code of the snapshot (dcode) with an id, and its main group (the code up to its first
        "/", when something precedes it, + "/00"; else the code) with an id."""
        c = self.tables.classifications
        codes = c.filter((c.scheme == "ipc") & c.code.notnull()).select(dcode=c.code).distinct()
        slash = codes.dcode.find("/")
        grouped = codes.mutate(group=ibis.ifelse(slash > 0, codes.dcode.left(slash) + "/00", codes.dcode))
        return self.tables.materialise(
            grouped.mutate(
                code_id=ibis.dense_rank().over(order_by=grouped.dcode),
                group_id=ibis.dense_rank().over(order_by=grouped.group),
            )
        )

    @cached_property
    def subclass_ids(self) -> ir.Table:
        """Every IPC subclass of the snapshot (dsub) with an id in the subclasses' order."""
        c = self.tables.classifications
        subs = c.filter((c.scheme == "ipc") & c.subclass.notnull()).select(dsub=c.subclass).distinct()
        return self.tables.materialise(subs.mutate(sub_id=ibis.dense_rank().over(order_by=subs.dsub)))

    @cached_property
    def classifications(self) -> ir.Table:
        """IPC classification rows of the patents in scope (rid, code_id, group_id, sub_id; null ids for a
        null code or subclass)."""
        c = self.tables.classifications
        ipc = c.filter(c.scheme == "ipc").select(pid=c.patent_id, code=c.code, subclass=c.subclass)
        joined = ipc.join(self.keys, ipc.pid == self.keys.kid)
        codes, subs = self.code_ids, self.subclass_ids
        joined = joined.left_join(codes, joined.code == codes.dcode)
        joined = joined.left_join(subs, joined.subclass == subs.dsub)
        return self.tables.materialise(joined.select("rid", "code_id", "group_id", "sub_id"))

    @cached_property
    def subclasses(self) -> ir.Table:
        """Distinct (rid, sub_id) of the patents in scope, subclass not null."""
        c = self.classifications
        return self.tables.materialise(c.filter(c.sub_id.notnull()).select("rid", "sub_id").distinct())

    @cached_property
    def codes(self) -> ir.Table:
        """Distinct (rid, code_id, group_id) of the patents in scope (one row per patent and code)."""
        c = self.classifications
        return self.tables.materialise(c.select("rid", "code_id", "group_id").distinct())

    @cached_property
    def applicants(self) -> ir.Table:
        """Applicant link rows of the patents in scope (rid, aid, name, akind)."""
        a = self.tables.applicants
        links = a.select(pid=a.patent_id, aid=a.applicant_id, name=a.name, akind=a.kind)
        joined = links.join(self.keys, links.pid == self.keys.kid)
        return self.tables.materialise(joined.select("rid", "aid", "name", "akind"))

    @cached_property
    def applicant_links(self) -> ir.Table:
        """Distinct (rid, aid) of the patents in scope."""
        return self.tables.materialise(self.applicants.select("rid", "aid").distinct())

    @cached_property
    def application_years(self) -> dict[int, int]:
        return _year_counts(self.patents, "app_year")

    @cached_property
    def total(self) -> int:
        return int(self.patents.count().to_pyarrow().as_py())


def ipc_of(tables: Tables, ids: ir.Table) -> ir.Table:
    c = tables.classifications
    ipc = c.filter(c.scheme == "ipc").select(pid=c.patent_id, code=c.code, subclass=c.subclass)
    return ipc.semi_join(ids, ipc.pid == ids.sid)


def scoped_patents(tables: Tables, scope: Scope) -> ir.Table:
    """The patents a scope selects (see `ipops.analytics.scope` for the rules)."""
    p = tables.patents
    predicates: list[ir.BooleanValue] = []
    if scope.year_from is not None:
        predicates.append(p.app_year >= scope.year_from)
    if scope.year_to is not None:
        predicates.append(p.app_year <= scope.year_to)
    if scope.keywords:
        text = (p.title.fill_null("") + " " + p.abstract.fill_null("")).lower()
        predicates.append(ibis.or_(*[text.contains(word.lower()) for word in scope.keywords]))
    if scope.region:
        code = ibis.coalesce(p.district_code.nullif(""), p.city_code.nullif(""), p.province_code.nullif(""))
        predicates.append(code.startswith(scope.region_prefix))
    if predicates:
        p = p.filter(*predicates)
    if scope.ipc:
        c = tables.classifications
        conditions = [
            c.code.startswith(prefix) if len(prefix) <= 4 or prefix.endswith("/") else c.code == prefix
            for prefix in scope.ipc
        ]
        hits = c.filter(c.scheme == "ipc", ibis.or_(*conditions)).select(hid=c.patent_id)
        p = p.semi_join(hits, p.id == hits.hid).select(*p.columns)
    return p


def granted(p: ir.Table, config: dict[str, Any]) -> ir.BooleanValue:
    """A grant: a grant date, the status 'granted', or a grant kind code of the country (config)."""
    condition = p.grant_date.notnull() | (p.legal_status == "granted")
    for country, kinds in (config.get("grant_kinds") or {}).items():
        condition = condition | ((p.country == country) & p.kind.isin(list(kinds)))
    return condition


def _table(columns: list[tuple[str, str]], data: list[dict[str, Any]]) -> dict[str, Any]:
    return {"columns": [[key, str(label)] for key, label in columns], "rows": data}


def _share(part: int | float, whole: int | float) -> float | None:
    return round(100.0 * part / whole, 4) if whole else None


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


# --- overview -------------------------------------------------------------------------------------------


def overview(ctx: Context) -> dict[str, Any]:
    p = ctx.patents
    by_type = rows(p.group_by(patent_type=p.patent_type.fill_null("")).agg(patents=D.count()))
    by_type.sort(key=lambda r: (-r["patents"], r["patent_type"]))
    span = rows(p.agg(first=p.app_year.min(), last=p.app_year.max(), undated=p.app_year.isnull().sum()))[0]
    total = ctx.total
    type_rows = [
        {"patent_type": r["patent_type"], "patents": int(r["patents"]), "share": _share(r["patents"], total)}
        for r in by_type
    ]
    return {
        "key": "overview",
        "title": _("Overview"),
        "total": total,
        "first_year": span["first"],
        "last_year": span["last"],
        "undated": int(span["undated"] or 0),
        "cutoff": ctx.cutoff.isoformat(),
        "incomplete_from": formulas.incomplete_from(ctx.cutoff, ctx.months).isoformat(),
        "table": _table(
            [("patent_type", _("Patent type")), ("patents", _("Patents")), ("share", _("Share (%)"))],
            type_rows,
        ),
    }


# --- trend ----------------------------------------------------------------------------------------------


def _year_counts(expr: ir.Table, column: str) -> dict[int, int]:
    counted = expr.filter(expr[column].notnull()).group_by(year=expr[column]).agg(n=D.count())
    return {int(r["year"]): int(r["n"]) for r in rows(counted)}


def _growth(series: dict[int, int], ctx: Context) -> dict[str, Any]:
    complete = sorted(y for y in series if not ctx.incomplete(y))
    positive = [y for y in complete if series[y] > 0]
    if not positive or complete[-1] <= positive[0]:
        return {"cagr": None, "from": None, "to": None}
    first, last = positive[0], complete[-1]
    return {
        "cagr": _round(formulas.cagr(series[first], series[last], last - first)),
        "from": first,
        "to": last,
    }


def trend(ctx: Context) -> dict[str, Any]:
    p = ctx.patents
    applications = ctx.application_years
    grants_only = p.filter(granted(p, ctx.config))
    grants = _year_counts(
        grants_only.mutate(grant_year=ibis.coalesce(grants_only.grant_date, grants_only.pub_date).year()),
        "grant_year",
    )
    years = sorted(set(applications) | set(grants))
    data = (
        [
            {
                "year": y,
                "applications": applications.get(y, 0),
                "grants": grants.get(y, 0),
                "incomplete": ctx.incomplete(y),
            }
            for y in range(years[0], years[-1] + 1)
        ]
        if years
        else []
    )
    return {
        "key": "trend",
        "title": _("Trend: applications and grants per year"),
        "applications_cagr": _growth(applications, ctx),
        "grants_cagr": _growth(grants, ctx),
        "table": _table(
            [
                ("year", _("Year")),
                ("applications", _("Applications (by filing year)")),
                ("grants", _("Grants (by grant year)")),
                ("incomplete", _("Incomplete")),
            ],
            data,
        ),
    }


# --- life cycle ------------------------------------------------------------------------------------------


def lifecycle(ctx: Context) -> dict[str, Any]:
    p = ctx.patents
    applications = ctx.application_years
    years_of = p.filter(p.app_year.notnull()).select(yid="rid", year="app_year")
    links = ctx.applicant_links.join(years_of, ctx.applicant_links.rid == years_of.yid)
    per_year = links.select("year", "aid").distinct().group_by("year").agg(n=D.count())
    applicants = {int(r["year"]): int(r["n"]) for r in rows(per_year)}
    data: list[dict[str, Any]] = []
    cumulative = 0
    if applications:
        for y in range(min(applications), max(applications) + 1):
            cumulative += applications.get(y, 0)
            data.append(
                {
                    "year": y,
                    "applicants": applicants.get(y, 0),
                    "applications": applications.get(y, 0),
                    "cumulative": cumulative,
                    "incomplete": ctx.incomplete(y),
                }
            )
    complete = [r for r in data if not r["incomplete"]]
    settings = ctx.config.get("logistic", {})
    fit = formulas.logistic_fit(
        [r["year"] for r in complete],
        [r["cumulative"] for r in complete],
        cutoffs=ctx.config["stage_cutoffs_percent"],
        min_points=int(settings.get("min_points", 5)),
        max_k_factor=float(settings.get("max_k_factor", 50)),
        max_iterations=int(settings.get("max_iterations", 5000)),
    )
    for r in data:
        predicted = fit.predict(r["year"])
        r["fitted"] = None if predicted is None else round(predicted, 3)
    fitted = fit.as_dict()
    for key in ("k", "r", "t_m", "share", "r_squared"):
        fitted[key] = _round(fitted[key])
    return {
        "key": "lifecycle",
        "title": _("Life cycle: applicants and applications per year"),
        "fit": fitted,
        "fit_years": [complete[0]["year"], complete[-1]["year"]] if complete else None,
        "table": _table(
            [
                ("year", _("Year")),
                ("applicants", _("Applicants")),
                ("applications", _("Applications")),
                ("cumulative", _("Cumulative applications")),
                ("fitted", _("Logistic fit")),
                ("incomplete", _("Incomplete")),
            ],
            data,
        ),
    }


# --- applicants ------------------------------------------------------------------------------------------


def applicants(ctx: Context) -> dict[str, Any]:
    links, distinct = ctx.applicants, ctx.applicant_links
    counted = distinct.group_by("aid").agg(patents=D.count())
    named = links.group_by(naid=links.aid).agg(name=links.name.min(), akind=links.akind.min())
    per = counted.join(named, counted.aid == named.naid).select("aid", "patents", "name", "akind")
    counts = [int(v) for v in counted.select("patents").to_pyarrow().column("patents").to_pylist()]
    cr4, cr8, hhi = formulas.concentration(counts)
    n = int(ctx.config["top_applicants"])
    top = rows(per.order_by([ibis.desc("patents"), "name", "aid"]).limit(n))
    total = ctx.total
    data = [
        {
            "rank": i + 1,
            "name": r["name"],
            "kind": r["akind"] or "",
            "patents": int(r["patents"]),
            "share": _share(r["patents"], total),
        }
        for i, r in enumerate(top)
    ]
    kind = links.akind.fill_null("")
    by_applicant = links.select(kind=kind, aid=links.aid).distinct().group_by("kind").agg(n=D.count())
    by_patent = links.select(kind=kind, rid=links.rid).distinct().group_by("kind").agg(n=D.count())
    applicant_counts = {r["kind"]: int(r["n"]) for r in rows(by_applicant)}
    patent_counts = {r["kind"]: int(r["n"]) for r in rows(by_patent)}
    kinds = [
        {"kind": k, "applicants": applicant_counts.get(k, 0), "patents": patent_counts.get(k, 0)}
        for k in sorted(set(applicant_counts) | set(patent_counts))
    ]
    kinds.sort(key=lambda r: (-r["patents"], r["kind"]))
    return {
        "key": "applicants",
        "title": _("Applicants and concentration"),
        "applicant_count": len(counts),
        "cr4": _round(cr4, 4),
        "cr8": _round(cr8, 4),
        "hhi": _round(hhi, 4),
        "by_kind": kinds,
        "table": _table(
            [
                ("rank", _("Rank")),
                ("name", _("Applicant")),
                ("kind", _("Kind")),
                ("patents", _("Patents")),
                ("share", _("Share of patents (%)")),
            ],
            data,
        ),
    }


# --- technology ------------------------------------------------------------------------------------------


def technology(ctx: Context) -> dict[str, Any]:
    total = ctx.total
    names = {int(r["sub_id"]): r["dsub"] for r in rows(ctx.subclass_ids)}
    per_subclass = rows(ctx.subclasses.group_by("sub_id").agg(patents=D.count()))
    sub = [
        {"subclass": names[int(r["sub_id"])], "patents": r["patents"]}
        for r in per_subclass
        if names[int(r["sub_id"])] != ""
    ]
    sub.sort(key=lambda r: (-r["patents"], r["subclass"]))
    codes = ctx.codes
    in_group = codes.select("rid", "group_id").distinct()
    counted = in_group.group_by("group_id").agg(patents=D.count())
    group_names = ctx.code_ids.select(gid="group_id", group="group").distinct()
    named_groups = counted.left_join(group_names, counted.group_id == group_names.gid)
    groups = rows(named_groups.select("group", "patents"))
    groups.sort(key=lambda r: (-r["patents"], r["group"]))

    subs = ctx.subclass_ids
    named = ctx.subclasses.semi_join(subs.filter(subs.dsub != ""), ctx.subclasses.sub_id == subs.sub_id)
    left = named.rename(pa="rid", sa="sub_id")
    right = named.rename(pb="rid", sb="sub_id")
    joined = left.join(right, [left.pa == right.pb, left.sa < right.sb])
    weighted = joined.group_by(["sa", "sb"]).agg(weight=D.count())
    max_edges = int(ctx.config["network_max_edges"])
    # subclass ids are in the subclasses' order, so ordering by ids orders by subclass (ASCII: as Python)
    edges = [
        {"sa": names[int(r["sa"])], "sb": names[int(r["sb"])], "weight": r["weight"]}
        for r in rows(weighted.order_by([ibis.desc("weight"), "sa", "sb"]).limit(max_edges))
    ]
    edges.sort(key=lambda r: (-r["weight"], r["sa"], r["sb"]))
    sub_counts = {r["subclass"]: int(r["patents"]) for r in sub}
    nodes = sorted({e["sa"] for e in edges} | {e["sb"] for e in edges})
    n_sub, n_group = int(ctx.config["top_subclasses"]), int(ctx.config["top_main_groups"])
    return {
        "key": "technology",
        "title": _("Technology composition"),
        "subclass_count": len(sub),
        "main_group_count": len(groups),
        "table": _table(
            [("subclass", _("IPC subclass")), ("patents", _("Patents")), ("share", _("Share (%)"))],
            [
                {
                    "subclass": r["subclass"],
                    "patents": int(r["patents"]),
                    "share": _share(r["patents"], total),
                }
                for r in sub[:n_sub]
            ],
        ),
        "main_groups": _table(
            [("group", _("IPC main group")), ("patents", _("Patents")), ("share", _("Share (%)"))],
            [
                {"group": r["group"], "patents": int(r["patents"]), "share": _share(r["patents"], total)}
                for r in groups[:n_group]
            ],
        ),
        "network": {
            "nodes": [{"id": s, "patents": sub_counts.get(s, 0)} for s in nodes],
            "edges": _table(
                [("sa", _("Subclass")), ("sb", _("Subclass")), ("weight", _("Patents with both"))],
                [{"sa": e["sa"], "sb": e["sb"], "weight": int(e["weight"])} for e in edges],
            ),
        },
    }


# --- regions ---------------------------------------------------------------------------------------------

LEVEL_COLUMN = {
    "": "province_code",
    "province": "city_code",
    "city": "district_code",
    "district": "district_code",
}


def regions(ctx: Context) -> dict[str, Any]:
    from ipops.patents.filters import region_names

    column = LEVEL_COLUMN[ctx.scope.region_level]
    level = column.removesuffix("_code")

    def counts(p: ir.Table) -> tuple[dict[str, int], int]:
        code = p[column].fill_null("")
        grouped = {r["code"]: int(r["n"]) for r in rows(p.group_by(code=code).agg(n=D.count()))}
        unknown = grouped.pop("", 0)
        return grouped, unknown

    scoped, unknown = counts(ctx.patents)
    reference_scope = Scope(region=ctx.scope.region, year_from=ctx.scope.year_from, year_to=ctx.scope.year_to)
    if reference_scope == ctx.scope:  # no IPC codes or keywords: the reference is the scope itself
        reference = scoped
    else:
        reference, _unknown = counts(scoped_patents(ctx.tables, reference_scope))
    p_k, p_all = sum(scoped.values()), sum(reference.values())
    names = region_names()
    data: list[dict[str, Any]] = [
        {
            "code": code,
            "name": names.get(code, ""),
            "patents": n,
            "share": _share(n, p_k),
            "all_patents": reference.get(code, 0),
            "rta": _round(formulas.rta(n, reference.get(code, 0), p_k, p_all), 4),
        }
        for code, n in scoped.items()
    ]
    data.sort(key=lambda r: (-r["patents"], r["code"]))
    return {
        "key": "regions",
        "title": _("Regional distribution"),
        "level": level,
        "located": p_k,
        "unlocated": unknown,
        "reference_total": p_all,
        "table": _table(
            [
                ("code", _("Code")),
                ("name", _("Region")),
                ("patents", _("Patents in scope")),
                ("share", _("Share (%)")),
                ("all_patents", _("All patents of the region")),
                ("rta", _("RTA")),
            ],
            data[: int(ctx.config["top_regions"])],
        ),
    }


# --- key patents -----------------------------------------------------------------------------------------

# Indicators of STANDARDS.md §1 the derived snapshot does not hold (it has no citations, families, claims
# or legal events), listed in every report so readers know what the ranking could not use.
UNAVAILABLE_INDICATORS = (
    ("forward_citations", gettext_lazy("Forward citations")),
    ("family_size", gettext_lazy("Family size and countries")),
    ("claims", gettext_lazy("Number of claims and first-claim length")),
    ("legal_events", gettext_lazy("Litigation, invalidation, licence and pledge events")),
)


def key_patents(ctx: Context) -> dict[str, Any]:
    p = ctx.patents
    # the three per-patent indicators in one grouping (patents without classifications or applicants have
    # no row: their indicators are 0)
    pcode = ctx.codes.filter(ctx.codes.code_id.notnull())
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
    counted = ibis.union(
        ctx.subclasses.select("rid", subclasses=one, codes=zero, applicants=zero),
        pcode.select("rid", subclasses=zero, codes=one, applicants=zero),
        ctx.applicant_links.select("rid", subclasses=zero, codes=zero, applicants=one),
        distinct=False,
    )
    stats = ctx.tables.materialise(
        counted.group_by(sid="rid").agg(
            subclasses=counted.subclasses.sum(),
            codes=counted.codes.sum(),
            applicants=counted.applicants.sum(),
        )
    )
    base = p.select("rid", "id", "pub_number", "app_number", granted=granted(p, ctx.config).cast("int64"))
    joined = base.left_join(stats, base.rid == stats.sid)
    t = joined.select(
        *base.columns,
        **{k: joined[k].fill_null(0) for k in ("subclasses", "codes", "applicants")},
    )
    weights = {k: float(v) for k, v in ctx.config["key_patent_weights"].items()}
    indicators = [k for k in ("subclasses", "codes", "applicants", "granted") if weights.get(k)]
    # the maxima over all patents in scope: those of the patents with a row, or 0 (indicators are >= 0)
    maxima: dict[str, Any] = {}
    held = [k for k in indicators if k != "granted"]
    if held:
        maxima.update(rows(stats.agg(**{k: stats[k].max() for k in held}))[0])
    if "granted" in indicators:
        maxima.update(rows(base.agg(granted=base.granted.max()))[0])
    score: Any = ibis.literal(0.0)
    for k in indicators:
        top = maxima.get(k) or 0
        if top > 0:
            score = score + t[k].cast("float64") * (weights[k] / float(top))
    n = int(ctx.config["key_patents"])
    ranked = (
        t.mutate(score=score)
        .order_by([ibis.desc("score"), t.pub_number.fill_null(""), t.app_number.fill_null(""), "id"])
        .limit(n)
    )
    top_rows = rows(ranked)
    names: dict[Any, list[str]] = {}
    details: dict[Any, dict[str, Any]] = {}
    if top_rows:
        rids = [r["rid"] for r in top_rows]
        links = ctx.applicants
        for r in rows(links.filter(links.rid.isin(rids)).select("rid", "name")):
            names.setdefault(r["rid"], []).append(r["name"] or "")
        shown = p.filter(p.rid.isin(rids)).select("rid", "id", "app_date", "patent_type", "main_ipc")
        details = {r["id"]: r for r in rows(shown)}
        raw = ctx.tables.patents
        ids = [r["id"] for r in top_rows]
        for r in rows(raw.filter(raw.id.isin(ids)).select("id", "title")):
            details[r["id"]]["title"] = r["title"]
    for r in top_rows:
        r.update({k: v for k, v in details[r["id"]].items() if k != "rid"})
        r["names"] = names.get(r["rid"], [])
    total_weight = sum(weights[k] for k in indicators) or 1.0
    data = [
        {
            "rank": i + 1,
            "number": r["pub_number"] or r["app_number"],
            "title": r["title"],
            "app_date": r["app_date"].isoformat() if r["app_date"] else None,
            "patent_type": r["patent_type"],
            "main_ipc": r["main_ipc"],
            "applicants": "；".join(sorted(r["names"])),
            "subclasses": int(r["subclasses"]),
            "codes": int(r["codes"]),
            "applicant_count": int(r["applicants"]),
            "granted": bool(r["granted"]),
            "score": round(100.0 * float(r["score"]) / total_weight, 2),
        }
        for i, r in enumerate(top_rows)
    ]
    return {
        "key": "key_patents",
        "title": _("Key patents"),
        "indicators_used": indicators,
        "weights": {k: weights[k] for k in indicators},
        "unavailable": [{"key": key, "label": str(label)} for key, label in UNAVAILABLE_INDICATORS],
        "table": _table(
            [
                ("rank", _("Rank")),
                ("number", _("Number")),
                ("title", _("Title")),
                ("app_date", _("Filed")),
                ("applicants", _("Applicants")),
                ("subclasses", _("IPC subclasses")),
                ("codes", _("IPC codes")),
                ("applicant_count", _("Applicants (count)")),
                ("granted", _("Granted")),
                ("score", _("Score (0–100)")),
            ],
            data,
        ),
    }


# --- industry positioning --------------------------------------------------------------------------------


def _industry_counts(classes: ir.Table, mapping: ir.Table, key: str) -> dict[str, int]:
    joined = classes.join(mapping, classes.code == mapping.ipc).select(key, "industry_code").distinct()
    return {r["industry_code"]: int(r["n"]) for r in rows(joined.group_by("industry_code").agg(n=D.count()))}


def _output_shares(ctx: Context) -> dict[str, float]:
    configured = ctx.config.get("industry_output_shares") or {}
    region = ctx.scope.region
    for key in (
        region,
        region[:4] + "00" if region else "",
        region[:2] + "0000" if region else "",
        "default",
    ):
        if key and key in configured:
            return {str(k): float(v) for k, v in configured[key].items()}
    return {}


def industry(ctx: Context) -> dict[str, Any]:
    from ipops.reference.industries import industry_table

    scheme = str(ctx.config["industry_scheme"])
    notes: list[str] = []
    national_total = ctx.total
    if ctx.scope.region:
        wide = scoped_patents(ctx.tables, ctx.scope.without_region())
        national_ids = ctx.tables.materialise(wide.select(sid=wide.id))
        national_total = int(national_ids.count().to_pyarrow().as_py())
        national_classes = ctx.tables.materialise(
            ipc_of(ctx.tables, national_ids).select("pid", "code").distinct()
        )
    else:
        notes.append(
            _("The scope names no region, so the location quotients compare the scope with itself (all 1).")
        )
    if ctx.scope.region:
        codes = [r["code"] for r in rows(national_classes.select("code").distinct())]
    else:
        held = ctx.codes.select("code_id").distinct()
        codes = [r["dcode"] for r in rows(ctx.code_ids.semi_join(held, "code_id").select("dcode"))]
    arrow = industry_table(sorted(c for c in codes if c), scheme)
    names = {r["industry_code"]: (r["industry_name_zh"], r["industry_name_en"]) for r in arrow.to_pylist()}
    if arrow.num_rows == 0:
        notes.append(
            _(
                "No IPC code in scope maps to an industry of the scheme “%(scheme)s” (is the concordance "
                "loaded? run `manage.py load_industries`)."
            )
            % {"scheme": scheme}
        )
        local: dict[str, int] = {}
        national: dict[str, int] = {}
    else:
        mapping = ibis.memtable(arrow.select(["ipc", "industry_code"]))
        by_id = ctx.code_ids.select("code_id", code="dcode")
        local = _industry_counts(ctx.codes.join(by_id, "code_id"), mapping, "rid")
        national = local if not ctx.scope.region else _industry_counts(national_classes, mapping, "pid")
    local_total = ctx.total
    patent_shares = {k: v / sum(local.values()) for k, v in local.items()} if local else {}
    output = _output_shares(ctx)
    match = formulas.match_degree(output, patent_shares) if output and patent_shares else None
    if not output:
        notes.append(
            _(
                "No industry output shares are configured for this region (industry_output_shares), so the "
                "match degree is not computed."
            )
        )
    data = [
        {
            "code": code,
            "name_zh": names.get(code, ("", ""))[0],
            "name_en": names.get(code, ("", ""))[1],
            "patents": n,
            "share": _share(n, local_total),
            "national_patents": national.get(code, 0),
            "national_share": _share(national.get(code, 0), national_total),
            "lq": _round(
                formulas.location_quotient(n, local_total, national.get(code, 0), national_total), 4
            ),
            "output_share": _round(100.0 * output[code], 4) if code in output else None,
        }
        for code, n in local.items()
    ]
    data.sort(key=lambda r: (-r["patents"], r["code"]))
    return {
        "key": "industry",
        "title": _("Industry positioning"),
        "scheme": scheme,
        "match_degree": _round(match, 6),
        "notes": notes,
        "table": _table(
            [
                ("code", _("Industry code")),
                ("name_zh", _("Industry")),
                ("patents", _("Patents in scope")),
                ("share", _("Share (%)")),
                ("national_patents", _("Patents nationally")),
                ("national_share", _("National share (%)")),
                ("lq", _("Location quotient")),
                ("output_share", _("Output share (%)")),
            ],
            data,
        ),
    }


MODULES: tuple[tuple[str, Callable[[Context], dict[str, Any]]], ...] = (
    ("overview", overview),
    ("trend", trend),
    ("lifecycle", lifecycle),
    ("applicants", applicants),
    ("technology", technology),
    ("regions", regions),
    ("key_patents", key_patents),
    ("industry", industry),
)
