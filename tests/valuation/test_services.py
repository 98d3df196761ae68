"""Saving valuations, awards and innovation profiles: who may, versions, audit, and refusals that change
nothing; the two commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from ipops.accounts.models import Organisation
from ipops.core.models import AuditEntry
from ipops.patents.models import Patent
from ipops.valuation import services
from ipops.valuation.models import InnovationProfile, PatentAward, Valuation

FULL = {
    code: 3
    for code in (
        "family", "reexam_invalidation", "non_circumvention", "claims_reasonableness", "claim_types", "dependency",
        "problem_importance", "originality", "technical_effect", "citations", "alternatives", "development_stage",
        "life_cycle", "defensiveness", "control", "competitors", "sales_income", "market_share", "policy_fit",
        "licensing_history", "financing_history", "litigation_history",
    )
}  # fmt: skip
MONEY = {"revenue": "2000000", "growth": "0.03", "royalty_rate": "0.04", "economic_life_years": 6,
         "monte_carlo": {"draws": 1000}}  # fmt: skip


@pytest.fixture
def patent(granted: dict) -> Patent:
    Patent.objects.filter(pub_number="CN102889890B").update(legal_status="granted")
    return Patent.objects.get(pub_number="CN102889890B")


@pytest.mark.parametrize("username", ["bank_user", "bank_admin", "appraiser", "guarantor_admin", "operator"])
def test_valuers_save_versioned_attributable_valuations(region: dict, patent: Patent, username: str) -> None:
    actor = region[username]
    first = services.value_patent(actor=actor, patent=patent, scenario="finance", entered=FULL, inputs=MONEY)
    second = services.value_patent(actor=actor, patent=patent, scenario="finance", entered=FULL)
    assert (first.version, second.version) == (1, 2)
    assert first.created_by == actor and first.organisation == actor.organisation
    assert first.value is not None and first.value_low <= first.value_mid <= first.value_high
    assert second.value is None  # no money inputs: a score only
    rows = {r["code"]: r for r in first.results["indicators"]}
    assert rows["originality"]["source"] == "entered" and rows["originality"]["by"] == username
    assert rows["validity"]["source"] == "computed" and rows["validity"]["score"] == "100"
    assert first.results["coverage"] == "1.0000" and first.results["missing"] == []
    entries = AuditEntry.objects.filter(action="valuation.create", object_id=str(first.pk))
    assert entries.count() == 1 and entries.get().actor_username == username
    assert first in services.visible_valuations(actor)


@pytest.mark.parametrize(
    "username", ["ent_admin", "ent_user", "univ_admin", "agency_admin", "secadmin", "auditor"]
)
def test_others_cannot_value_and_nothing_changes(region: dict, patent: Patent, username: str) -> None:
    audit_before = AuditEntry.objects.filter(action="valuation.create").count()
    with pytest.raises(PermissionDenied):
        services.value_patent(actor=region[username], patent=patent, scenario="finance", entered=FULL)
    assert not Valuation.objects.exists()
    assert AuditEntry.objects.filter(action="valuation.create").count() == audit_before


def test_valuations_are_read_by_their_organisation_and_the_centre(region: dict, patent: Patent) -> None:
    mine = services.value_patent(actor=region["bank_user"], patent=patent, scenario="finance", entered=FULL)
    assert mine in services.visible_valuations(region["bank_admin"])
    assert mine in services.visible_valuations(region["auditor"])
    assert mine not in services.visible_valuations(region["appraiser"])
    assert mine not in services.visible_valuations(region["ent_admin"])


def test_missing_indicators_are_refused_unless_partial(region: dict, patent: Patent) -> None:
    with translation.override("en"), pytest.raises(services.ValuationInputError) as error:
        services.value_patent(
            actor=region["bank_user"], patent=patent, scenario="finance", entered={"originality": 4}
        )
    assert "have no value" in str(error.value.message) and "family" in str(error.value.message)
    assert not Valuation.objects.exists()
    partial = services.value_patent(
        actor=region["bank_user"], patent=patent, scenario="finance", entered={"originality": 4}, partial=True
    )
    assert "family" in partial.results["missing"] and float(partial.results["coverage"]) < 1


def test_lapsed_patent_is_valued_at_zero(region: dict, patent: Patent) -> None:
    Patent.objects.filter(pk=patent.pk).update(legal_status="lapsed")
    patent.refresh_from_db()
    valuation = services.value_patent(
        actor=region["appraiser"], patent=patent, scenario="finance", entered=FULL, inputs=MONEY
    )
    assert valuation.value == 0 and valuation.results["money"]["zero_reason"]


@pytest.mark.parametrize("username", ["bank_user", "ent_admin", "auditor", "secadmin"])
def test_only_operators_enter_awards(region: dict, patent: Patent, username: str) -> None:
    with pytest.raises(PermissionDenied):
        services.record_award(actor=region[username], patent=patent, kind="cpa_gold", year=2023)
    assert not PatentAward.objects.exists()
    award = services.record_award(actor=region["operator"], patent=patent, kind="cpa_gold", year=2023)
    assert AuditEntry.objects.filter(action="valuation.award", object_id=str(award.pk)).count() == 1
    with pytest.raises(services.ValuationInputError):
        services.record_award(actor=region["operator"], patent=patent, kind="nobel", year=2023)


def test_innovation_profile_by_its_administrator(region: dict) -> None:
    firm = Organisation.objects.get(users__username="ent_admin")
    for username in ("ent_user", "bank_user", "univ_admin", "auditor"):
        with pytest.raises(PermissionDenied):
            services.save_innovation_profile(
                actor=region[username], organisation=firm, values={"rd_staff": 5}
            )
    assert not InnovationProfile.objects.exists()
    profile = services.save_innovation_profile(
        actor=region["ent_admin"],
        organisation=firm,
        values={"industry": "软件", "rd_staff": 12, "employees": 40},
    )
    services.save_innovation_profile(actor=region["operator"], organisation=firm, values={"rd_staff": 15})
    profile.refresh_from_db()
    assert profile.rd_staff == 15 and profile.industry == "软件"
    assert AuditEntry.objects.filter(action="valuation.profile").count() == 2


def test_value_patent_command(patent: Patent, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    call_command("value_patent", "CN102889890B", "--scenario", "finance")
    out = capsys.readouterr().out
    assert "CN102889890B" in out and "grade" in out and "missing" in out
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({**MONEY, "indicators": FULL}), encoding="utf-8")
    call_command("value_patent", "cn 102889890 b", "--inputs", str(inputs), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["patent"] == "CN102889890B" and result["missing"] == []
    assert float(result["money"]["p10"]) <= float(result["money"]["value"]) * 1.5
    with pytest.raises(CommandError, match="No patent"):
        call_command("value_patent", "CN999999999A")
    with translation.override("en"), pytest.raises(CommandError, match="Unknown scenario"):
        call_command("value_patent", "CN102889890B", "--scenario", "lottery")
    inputs.write_text(json.dumps({"revenue": "-1", "royalty_rate": "0.1"}), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="more than zero"):
        call_command("value_patent", "CN102889890B", "--inputs", str(inputs))
    with translation.override("en"), pytest.raises(CommandError, match="indicators"):
        call_command("value_patent", "CN102889890B", "--strict")


def test_value_patents_command(granted: dict, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out_file = tmp_path / "scores.parquet"
    call_command("value_patents", "--scenario", "management", "--output", str(out_file))
    out = capsys.readouterr().out
    assert f"{len(granted):,} patents scored" in out and "grade" in out
    import pyarrow.parquet as pq

    assert pq.read_table(out_file).num_rows == len(granted)


def test_value_patents_without_a_snapshot(db: None, tmp_path: Path, settings) -> None:
    settings.IPOPS_DERIVED_PARQUET_DIR = tmp_path / "none"
    with pytest.raises(CommandError, match="refresh_derived"):
        call_command("value_patents")
