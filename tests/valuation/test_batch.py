"""Batch value scores over the snapshot agree with the per-patent path, and one worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ipops.corpus.query import connect
from ipops.patents.models import Patent
from ipops.valuation import catalogue
from ipops.valuation.batch import BREADTH_SQL, score_row, score_table
from ipops.valuation.indicators import ipc_breadth, remaining_years

from .conftest import UTILITY, import_file, refresh

AS_OF = date(2026, 6, 1)


def test_one_patent_by_hand(granted: dict) -> None:
    Patent.objects.filter(pub_number="CN102889890B").update(legal_status="granted")
    refresh()
    rows = {r["pub_number"]: r for r in score_table(scenario="finance", as_of=AS_OF, stages={}).to_pylist()}
    row = rows["CN102889890B"]
    # invention filed 2012-07-17 expires 2032-07-17: 2,238 days after 2026-06-01 = 6.13 years → 100 × 6.13/12 =
    # 51.08; validity 100; one IPC subclass (G01C) → 40; one class → 40; no life-cycle stage.
    # finance weights: validity 0.0571, remaining life 0.035, field count and scope 0.0278 each:
    # (5.71 + 1.7878 + 1.112 + 1.112) / 0.1477 = 65.82 → grade B
    assert remaining_years(
        "invention", date(2012, 7, 17), AS_OF, catalogue.scoring_rules()["computed"]
    ) == Decimal("6.13")
    assert row["score"] == 65.82 and row["grade"] == "B"
    assert row["legal"] == 100.0 and row["technical"] == 40.0 and row["economic"] == 51.08
    assert abs(row["coverage"] - 0.1477) < 1e-9
    # legal status unknown: validity drops out of the partial score
    other = rows["CN102905253B"]
    assert other["legal"] is None and other["score"] is not None


def test_batch_equals_the_per_patent_loop(granted: dict, region: dict) -> None:
    import_file(region, UTILITY)
    Patent.objects.filter(pub_number__in=["CN102889890B", "CN102905253B"]).update(legal_status="granted")
    Patent.objects.filter(pub_number="CN102955381B").update(legal_status="lapsed")
    refresh()
    stages = {"G06F": "growth", "H04W": "mature", "A61K": "saturation"}
    indicators, rules = catalogue.indicators(), catalogue.scoring_rules()
    with connect() as con:
        for name in catalogue.scenario_names():
            table = score_table(con, scenario=name, as_of=AS_OF, stages=stages).to_pylist()
            scenario = catalogue.scenario(name)
            rows = con.execute(BREADTH_SQL).fetchall()
            columns = [d[0] for d in con.description]
            assert len(rows) == len(table) > 250
            for raw, batch in zip(rows, table, strict=True):
                one = score_row(dict(zip(columns, raw, strict=True)), scenario=scenario, indicators=indicators,
                                rules=rules, stages=stages, as_of=AS_OF)  # fmt: skip
                assert raw[0] == batch["patent_id"]
                if one["score"] is None:
                    assert batch["score"] is None
                    continue
                assert abs(float(one["score"]) - batch["score"]) <= 0.011, (name, raw, one, batch)
                if abs(float(one["score"]) - round(float(one["score"]))) > 0.02:
                    assert one["grade"] == batch["grade"]
    lapsed = {
        r["pub_number"]: r for r in score_table(scenario="finance", as_of=AS_OF, stages=stages).to_pylist()
    }
    assert lapsed["CN102955381B"]["legal"] == 0.0


def test_ipc_breadth_counts_subclasses_classes_sections() -> None:
    assert ipc_breadth(["G06F 16/00", "G06N 3/08", "H04L 9/32", "g06f 17/30", ""]) == (3, 2, 2)


def test_a_subset_scores_as_in_the_whole(granted: dict) -> None:
    whole = {r["patent_id"]: r for r in score_table(scenario="finance", as_of=AS_OF, stages={}).to_pylist()}
    some = [p.pk for p in list(granted.values())[:3]]
    subset = score_table(
        scenario="finance", as_of=AS_OF, stages={}, patent_ids=[str(pk) for pk in some]
    ).to_pylist()
    assert sorted(r["patent_id"] for r in subset) == sorted(str(pk) for pk in some)
    assert all(r == whole[r["patent_id"]] for r in subset)
    assert score_table(scenario="finance", as_of=AS_OF, stages={}, patent_ids=[]).num_rows == 0
