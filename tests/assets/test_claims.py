"""The claim workflow: an organisation claims, an operator confirms (linking the asset) or rejects with a
reason; one pending claim per asset and organisation; co-ownership needs an explanation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ipops.accounts.models import Organisation
from ipops.assets import services
from ipops.assets.models import AssetClaim, Trademark
from ipops.core.models import AuditEntry
from ipops.patents.models import Patent

from .conftest import ENTERPRISE, UNIVERSITY

pytestmark = pytest.mark.django_db


@pytest.fixture
def patent(region: dict) -> Patent:
    return Patent.objects.create(
        pub_number="CN202644312U",
        app_number="CN2012202497674",
        title="一种轨道扣件",
        applicants_text=ENTERPRISE,
        content_hash="0" * 64,
    )


def test_confirming_a_trademark_claim_links_it_to_the_claimant(region: dict, trademark: Trademark) -> None:
    claim = services.create_claim(
        actor=region["ent_user"], asset=trademark, evidence="商标注册证 第23456781号"
    )
    assert AuditEntry.objects.filter(action="asset_claim.create", object_id=str(claim.pk)).count() == 1
    services.decide_claim(actor=region["operator"], claim=claim, confirm=True, note="与注册证一致")
    claim.refresh_from_db()
    trademark.refresh_from_db()
    assert claim.status == "confirmed" and claim.note == "与注册证一致" and claim.decided_at is not None
    assert trademark.owner_organisation is not None and trademark.owner_organisation.name == ENTERPRISE
    entry = AuditEntry.objects.get(action="asset_claim.confirm")
    assert entry.after["claim"]["status"] == "confirmed" and entry.after["asset"]["id"] == str(trademark.pk)
    assert entry.before["claim"]["status"] == "pending"
    assert [o.name for o in services.confirmed_owners(trademark)] == [ENTERPRISE]
    assert list(services.owned_assets(trademark.owner_organisation, "trademark")) == [trademark]


def test_a_patent_claim_is_recorded_on_the_claim_only(region: dict, patent: Patent) -> None:
    before = Patent.objects.filter(pk=patent.pk).values().get()
    claim = services.create_claim(actor=region["ent_admin"], asset=patent, evidence="专利证书")
    enterprise = Organisation.objects.get(name=ENTERPRISE)
    assert list(services.claimed_patents(enterprise)) == []  # pending is not confirmed
    services.decide_claim(actor=region["operator"], claim=claim, confirm=True)
    assert list(services.claimed_patents(enterprise)) == [patent]
    assert list(services.claimed_patents(Organisation.objects.get(name=UNIVERSITY))) == []
    assert Patent.objects.filter(pk=patent.pk).values().get() == before  # the patent row is untouched


def test_patents_are_found_by_any_spelling_of_their_numbers(region: dict, patent: Patent) -> None:
    for typed in ("CN202644312U", "cn 202644312 u", "201220249767.4", "CN201220249767.4"):
        assert services.find_asset("patent", typed) == patent
    assert services.find_asset("patent", "CN202644313U") is None
    assert services.find_asset("trademark", "") is None


def test_claiming_a_patent_by_number_on_the_page(login, patent: Patent) -> None:
    client = login("ent_admin")
    response = client.post(
        "/assets/claims/new/", {"asset_type": "patent", "number": "201220249767.4", "evidence": "专利证书"}
    )
    claim = AssetClaim.objects.get()
    assert response.status_code == 302 and claim.patent == patent and claim.asset_type == "patent"
    response = client.post(
        "/assets/claims/new/", {"asset_type": "patent", "number": "CN999999999U", "evidence": "专利证书"}
    )
    assert response.status_code == 200 and "number" in response.context["form"].errors
    assert AssetClaim.objects.count() == 1


def test_one_pending_claim_per_asset_and_organisation(region: dict, trademark: Trademark) -> None:
    services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证")
    with pytest.raises(ValidationError):
        services.create_claim(actor=region["ent_user"], asset=trademark, evidence="注册证")
    # …and the database holds to it even if a service forgot
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetClaim.objects.create(
            organisation=Organisation.objects.get(name=ENTERPRISE),
            asset_type="trademark",
            trademark=trademark,
            evidence="x",
        )
    # another organisation may claim the same asset meanwhile
    services.create_claim(actor=region["univ_admin"], asset=trademark, evidence="许可合同")
    assert AssetClaim.objects.filter(status="pending").count() == 2


def test_the_asset_and_its_type_must_agree(region: dict, trademark: Trademark) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AssetClaim.objects.create(
            organisation=Organisation.objects.get(name=ENTERPRISE),
            asset_type="patent",
            trademark=trademark,
            evidence="x",
        )


def test_a_rejection_needs_a_reason_and_allows_a_new_claim(region: dict, trademark: Trademark) -> None:
    claim = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证")
    with pytest.raises(ValidationError) as caught:
        services.decide_claim(actor=region["operator"], claim=claim, confirm=False, note=" ")
    assert "note" in caught.value.message_dict
    assert AssetClaim.objects.get(pk=claim.pk).status == "pending"
    services.decide_claim(actor=region["operator"], claim=claim, confirm=False, note="注册人名称不符")
    trademark.refresh_from_db()
    assert AssetClaim.objects.get(pk=claim.pk).status == "rejected" and trademark.owner_organisation is None
    with pytest.raises(ValidationError):
        services.decide_claim(actor=region["operator"], claim=claim, confirm=True)
    again = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="变更证明")
    assert again.status == "pending"


def test_a_confirmed_asset_cannot_be_claimed_again_by_its_owner(region: dict, trademark: Trademark) -> None:
    claim = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证")
    services.decide_claim(actor=region["operator"], claim=claim, confirm=True)
    with pytest.raises(ValidationError):
        services.create_claim(actor=region["ent_user"], asset=trademark, evidence="注册证")


def test_co_ownership_needs_an_explanation(region: dict, trademark: Trademark) -> None:
    first = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证")
    services.decide_claim(actor=region["operator"], claim=first, confirm=True)
    with pytest.raises(ValidationError) as caught:
        services.create_claim(actor=region["univ_admin"], asset=trademark, evidence="共有协议")
    assert "explanation" in caught.value.message_dict
    second = services.create_claim(
        actor=region["univ_admin"], asset=trademark, evidence="共有协议", explanation="校企共有商标，各占50%"
    )
    services.decide_claim(actor=region["operator"], claim=second, confirm=True)
    trademark.refresh_from_db()
    assert trademark.owner_organisation.name == ENTERPRISE  # the first owner stays; the co-owner by its claim
    assert {o.name for o in services.confirmed_owners(trademark)} == {ENTERPRISE, UNIVERSITY}
    university = Organisation.objects.get(name=UNIVERSITY)
    assert list(services.owned_assets(university, "trademark")) == [trademark]


def test_an_owner_set_by_an_operator_counts_as_confirmed(region: dict, trademark: Trademark) -> None:
    enterprise = Organisation.objects.get(name=ENTERPRISE)
    services.update_asset(
        actor=region["operator"], asset=trademark, values={"owner_organisation": enterprise}
    )
    with pytest.raises(ValidationError) as caught:
        services.create_claim(actor=region["univ_admin"], asset=trademark, evidence="x")
    assert "explanation" in caught.value.message_dict


def test_two_claims_without_explanation_cannot_both_be_confirmed(region: dict, trademark: Trademark) -> None:
    a = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证")
    b = services.create_claim(actor=region["univ_admin"], asset=trademark, evidence="注册证")
    services.decide_claim(actor=region["operator"], claim=a, confirm=True)
    with pytest.raises(ValidationError):
        services.decide_claim(actor=region["operator"], claim=b, confirm=True)
    assert AssetClaim.objects.get(pk=b.pk).status == "pending"
    services.decide_claim(actor=region["operator"], claim=b, confirm=False, note="请说明共有关系后重新认领")


def test_claims_need_evidence(region: dict, trademark: Trademark) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="  ")
    assert "evidence" in caught.value.message_dict
    assert not AssetClaim.objects.exists()


def test_the_operators_list_puts_pending_claims_first(
    region: dict, login, trademark: Trademark, patent: Patent
) -> None:
    old = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证")
    services.decide_claim(actor=region["operator"], claim=old, confirm=False, note="不符")
    pending = services.create_claim(actor=region["univ_admin"], asset=patent, evidence="证书")
    newest = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="注册证（补）")
    rejected_last = AssetClaim.objects.filter(pk=old.pk)
    AssetClaim.objects.filter(pk=pending.pk).update(
        created_at=rejected_last.get().created_at.replace(year=2020)
    )
    page = login("operator").get("/assets/claims/")
    statuses = [c.status for c in page.context["page"]]
    assert statuses == ["pending", "pending", "rejected"]
    assert [c.pk for c in page.context["page"]][:2] == [newest.pk, pending.pk]
    mine = login("univ_user").get("/assets/claims/mine/")
    assert [c.pk for c in mine.context["page"]] == [pending.pk]


def test_claim_pages_show_the_claim_to_its_organisation(login, region: dict, trademark: Trademark) -> None:
    claim = services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="商标注册证")
    page = login("ent_user").get(f"/assets/claims/{claim.pk}/")
    assert page.status_code == 200 and "商标注册证" in page.content.decode()
    assert page.context["can_decide"] is False
    assert login("operator").get(f"/assets/claims/{claim.pk}/").context["can_decide"] is True
    detail = login("ent_user").get(f"/assets/trademarks/{trademark.pk}/")
    assert detail.context["claim_form"] is None  # already pending for this organisation
    assert login("univ_user").get(f"/assets/trademarks/{trademark.pk}/").context["claim_form"] is not None


def test_the_claims_export_is_an_audited_read(region: dict, login, trademark: Trademark) -> None:
    import io

    import openpyxl

    services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="商标注册证")
    response = login("operator").get("/assets/claims/?status=pending&export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 2 and rows[1][0] == ENTERPRISE and rows[1][2] == "23456781"
    assert AuditEntry.objects.get(action="asset_claim.export").after == {
        "filters": {"status": "pending"},
        "rows": 1,
    }
