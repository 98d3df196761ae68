"""An organisation's portfolio (scores of all its patents, their distribution, the top and bottom ones) and
its innovation-capability score, read from the snapshot."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from ipops.accounts.models import Organisation
from ipops.patents.models import Applicant, Patent
from ipops.valuation import catalogue
from ipops.valuation.batch import cached_stages, score_table
from ipops.valuation.innovation import innovation_score

TOP = 10
BINS = 10


def organisation_view(
    organisation: Organisation, *, scenario: str | None = None, as_of: date | None = None
) -> dict[str, Any]:
    from ipops.corpus.query import connect

    as_of = as_of or date.today()
    chosen = catalogue.scenario(scenario)
    con = connect()
    try:
        applicant_ids = [
            str(pk) for pk in Applicant.objects.filter(organisation=organisation).values_list("pk", flat=True)
        ]
        cursor = con.cursor()
        try:
            cursor.register("_mine", pa.table({"applicant_id": pa.array(applicant_ids, pa.string())}))
            ids = [r[0] for r in cursor.sql(
                "SELECT DISTINCT patent_id FROM applicants WHERE applicant_id IN (SELECT applicant_id FROM _mine)"
            ).fetchall()]  # fmt: skip
        finally:
            cursor.close()
        stages = cached_stages(con, as_of, catalogue.scoring_rules()["computed"], own_snapshot=True)
        scores = score_table(con, scenario=chosen.key, as_of=as_of, stages=stages, patent_ids=ids).to_pylist()
        wanted = set(ids)
        mine = [r for r in scores if r["patent_id"] in wanted and r["score"] is not None]
        innovation = innovation_score(organisation, con=con, as_of=as_of)
    finally:
        con.close()
    mine.sort(key=lambda r: (-r["score"], r["pub_number"] or ""))
    histogram = [0] * BINS
    for r in mine:
        histogram[min(BINS - 1, int(r["score"] // (100 / BINS)))] += 1
    shown = mine[:TOP] + mine[-TOP:]
    titles = {
        str(pk): t
        for pk, t in Patent.objects.filter(pk__in=[r["patent_id"] for r in shown]).values_list("pk", "title")
    }
    for r in shown:
        r["title"] = titles.get(r["patent_id"], "")
    grades: dict[str, int] = {}
    for r in mine:
        grades[r["grade"]] = grades.get(r["grade"], 0) + 1
    return {
        "scenario": chosen,
        "patents": len(ids),
        "scored": len(mine),
        "mean": round(sum(r["score"] for r in mine) / len(mine), 2) if mine else None,
        "top": mine[:TOP],
        "bottom": list(reversed(mine[-TOP:])) if len(mine) > TOP else [],
        "histogram": {"labels": [f"{i * 10}–{i * 10 + 10}" for i in range(BINS)], "counts": histogram},
        "grades": dict(sorted(grades.items())),
        "innovation": innovation,
    }
