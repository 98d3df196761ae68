"""Who may change the registry, for each write: anonymous, outsider organisation, member without the role,
member with it (or operator). A refused action changes nothing and leaves an `auth.denied` audit entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from ipops.accounts import services as account_services
from ipops.accounts.models import Organisation
from ipops.assets import services
from ipops.assets.models import AssetClaim, AssetImport, Trademark
from ipops.core.models import AuditEntry
from ipops.core.permissions import Denied

from .conftest import ENTERPRISE, TRADEMARK_HEADER, TRADEMARK_ROWS, assert_refused, upload_of, write_csv

pytestmark = pytest.mark.django_db

NEW_MARK = {
    "number": "60000001",
    "name": "朝知新品",
    "nice_classes": "9, 42",
    "goods_services": "计算机软件",
    "owner_name": ENTERPRISE,
    "status": "registered",
    "reg_date": "2022-03-14",
}


def create(client: Client, data: dict | None = None) -> object:
    return client.post("/assets/trademarks/new/", data or NEW_MARK)


def form_data(mark: Trademark) -> dict:
    """What the edit form posts back unchanged."""
    return {
        "number": mark.number,
        "name": mark.name,
        "nice_classes": ", ".join(str(c) for c in mark.nice_classes),
        "goods_services": mark.goods_services,
        "owner_name": mark.owner_name,
        "status": mark.status,
        "reg_date": str(mark.reg_date or ""),
        "app_date": str(mark.app_date or ""),
        "expiry_date": str(mark.expiry_date or ""),
    }


def edit(client: Client, mark: Trademark, name: str = "改名") -> object:
    return client.post(f"/assets/trademarks/{mark.pk}/edit/", {**form_data(mark), "name": name})


def api(username: str | None, region: dict, method: str, url: str, body: dict | None = None) -> object:
    headers = {}
    if username:
        headers["Authorization"] = (
            "Bearer " + account_services.create_api_token(actor=region[username], name="t").key
        )
    client = Client()
    if method == "get":
        return client.get(url, headers=headers)
    return client.post(url, json.dumps(body or {}), content_type="application/json", headers=headers)


# --- entering an asset: operators, and administrators/members for their own organisation ----------------------


def test_create_anonymous_goes_to_login(region: dict) -> None:
    assert_refused(lambda: create(Client()), 302)


@pytest.mark.parametrize("username", ["pending_admin", "auditor", "secadmin"])
def test_create_refused_for_outsiders_and_roles_without_entry(login, username: str) -> None:
    assert_refused(lambda: create(login(username)))


def test_create_refused_for_a_member_without_a_role(roleless: Client) -> None:
    assert_refused(lambda: create(roleless))
    assert_refused(lambda: roleless.get("/assets/trademarks/new/"))


def test_create_by_a_member_enters_it_for_their_organisation(login, enterprise: Organisation) -> None:
    response = create(login("ent_user"))
    mark = Trademark.objects.get(number="60000001")
    assert response.status_code == 302 and response["Location"] == f"/assets/trademarks/{mark.pk}/"
    assert mark.organisation == enterprise and mark.created_by.username == "ent_user"
    assert mark.nice_classes == [9, 42] and str(mark.expiry_date) == "2032-03-13"
    assert mark.owner_organisation is None
    assert AuditEntry.objects.filter(action="trademark.create", object_id=str(mark.pk)).count() == 1


def test_members_cannot_set_the_owner_organisation(login, enterprise: Organisation, region: dict) -> None:
    """The form has no such field for them, and the service refuses it."""
    response = create(login("ent_admin"), {**NEW_MARK, "owner_organisation": str(enterprise.pk)})
    assert Trademark.objects.get(number="60000001").owner_organisation is None
    assert response.status_code == 302
    with pytest.raises(Denied):
        services.create_asset(
            actor=region["ent_admin"],
            kind="trademark",
            values={
                "number": "60000002",
                "name": "x",
                "nice_classes": [9],
                "owner_name": "x",
                "status": "applied",
                "owner_organisation": enterprise,
            },
        )
    assert not Trademark.objects.filter(number="60000002").exists()


def test_members_cannot_enter_for_another_organisation(region: dict) -> None:
    bank = Organisation.objects.get(kind="bank")
    before = Trademark.objects.count()
    with pytest.raises(Denied):
        services.create_asset(
            actor=region["ent_admin"],
            kind="trademark",
            values={
                "number": "60000003",
                "name": "x",
                "nice_classes": [9],
                "owner_name": "x",
                "status": "applied",
            },
            organisation=bank,
        )
    assert Trademark.objects.count() == before


def test_an_operator_enters_for_any_organisation_and_sets_the_owner(login, enterprise: Organisation) -> None:
    response = create(
        login("operator"),
        {**NEW_MARK, "organisation": str(enterprise.pk), "owner_organisation": str(enterprise.pk)},
    )
    assert response.status_code == 302
    mark = Trademark.objects.get(number="60000001")
    assert mark.organisation == enterprise and mark.owner_organisation == enterprise


def test_form_errors_change_nothing(login) -> None:
    client = login("ent_admin")
    for bad in ({"nice_classes": "9, 46"}, {"reg_date": "", "status": "registered"}, {"number": "TM-1"}):
        response = create(client, {**NEW_MARK, **bad})
        assert response.status_code == 200 and response.context["form"].errors
    assert not Trademark.objects.exists()


def test_a_number_already_in_the_registry_is_refused(login, trademark: Trademark) -> None:
    response = create(login("univ_admin"), {**NEW_MARK, "number": f"第{trademark.number}号"})
    assert response.status_code == 200 and "number" in response.context["form"].errors
    assert Trademark.objects.count() == 1


# --- editing an asset -----------------------------------------------------------------------------------------


def test_edit_anonymous_goes_to_login(trademark: Trademark) -> None:
    assert_refused(lambda: edit(Client(), trademark), 302)


@pytest.mark.parametrize("username", ["bank_admin", "univ_user", "pending_admin", "auditor"])
def test_edit_refused_for_other_organisations(login, trademark: Trademark, username: str) -> None:
    assert_refused(lambda: edit(login(username), trademark))


def test_edit_refused_for_a_member_without_a_role(roleless: Client, trademark: Trademark) -> None:
    assert_refused(lambda: edit(roleless, trademark))


@pytest.mark.parametrize("username", ["ent_user", "ent_admin", "operator"])
def test_edit_by_its_organisation_or_an_operator(login, trademark: Trademark, username: str) -> None:
    response = edit(login(username), trademark, name="朝知（新）")
    assert response.status_code == 302
    assert Trademark.objects.get(pk=trademark.pk).name == "朝知（新）"
    entry = AuditEntry.objects.get(action="trademark.update")
    assert entry.before == {"name": "朝知"} and entry.after == {"name": "朝知（新）"}


def test_an_edit_that_changes_nothing_writes_nothing(login, trademark: Trademark) -> None:
    stamp = Trademark.objects.get(pk=trademark.pk).updated_at
    data = form_data(trademark)
    assert data["expiry_date"] == "2027-06-06"
    assert login("ent_admin").post(f"/assets/trademarks/{trademark.pk}/edit/", data).status_code == 302
    assert Trademark.objects.get(pk=trademark.pk).updated_at == stamp
    assert not AuditEntry.objects.filter(action="trademark.update").exists()


def test_the_confirmed_owner_may_edit_too(login, trademark: Trademark, region: dict) -> None:
    claim = services.create_claim(actor=region["univ_admin"], asset=trademark, evidence="转让核准公告")
    services.decide_claim(actor=region["operator"], claim=claim, confirm=True)
    assert edit(login("univ_user"), trademark, name="朝知（转让后）").status_code == 302
    assert Trademark.objects.get(pk=trademark.pk).name == "朝知（转让后）"


# --- importing ------------------------------------------------------------------------------------------------


def post_import(client: Client, tmp_path: Path) -> object:
    path = write_csv(tmp_path / "台账.csv", [TRADEMARK_HEADER, *TRADEMARK_ROWS])
    return client.post("/assets/trademarks/import/", {"file": upload_of(path)})


def test_import_anonymous_goes_to_login(region: dict, tmp_path: Path) -> None:
    assert_refused(lambda: post_import(Client(), tmp_path), 302)


@pytest.mark.parametrize("username", ["pending_admin", "auditor"])
def test_import_refused_for_outsiders(login, tmp_path: Path, username: str) -> None:
    assert_refused(lambda: post_import(login(username), tmp_path))


def test_import_refused_for_a_member_without_a_role(roleless: Client, tmp_path: Path) -> None:
    assert_refused(lambda: post_import(roleless, tmp_path))


@pytest.mark.parametrize("username", ["ent_user", "operator"])
def test_import_by_a_member_or_operator(login, tmp_path: Path, username: str) -> None:
    assert post_import(login(username), tmp_path).status_code == 302
    assert AssetImport.objects.get().created == 4 and Trademark.objects.count() == 4


# --- claiming -------------------------------------------------------------------------------------------------


def claim_on_page(client: Client, mark: Trademark, evidence: str = "商标注册证 第23456781号") -> object:
    return client.post(f"/assets/trademarks/{mark.pk}/", {"evidence": evidence})


def test_claim_anonymous_goes_to_login(trademark: Trademark) -> None:
    assert_refused(lambda: claim_on_page(Client(), trademark), 302)


@pytest.mark.parametrize("username", ["pending_admin", "auditor", "operator"])
def test_claim_refused_for_outsiders_and_the_centre(login, trademark: Trademark, username: str) -> None:
    assert_refused(lambda: claim_on_page(login(username), trademark))


def test_claim_refused_for_a_member_without_a_role(roleless: Client, trademark: Trademark) -> None:
    assert_refused(lambda: claim_on_page(roleless, trademark))


def test_claim_by_a_member(login, trademark: Trademark) -> None:
    response = claim_on_page(login("ent_user"), trademark)
    claim = AssetClaim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assets/claims/{claim.pk}/"
    assert (
        claim.status == "pending" and claim.trademark == trademark and claim.organisation.name == ENTERPRISE
    )


def test_claim_through_the_api_with_each_role(region: dict, trademark: Trademark) -> None:
    body = {"asset_type": "trademark", "asset_id": str(trademark.pk), "evidence": "注册证"}
    assert_refused(lambda: api(None, region, "post", "/api/assets/claims", body), 401)
    assert_refused(lambda: api("auditor", region, "post", "/api/assets/claims", body))
    assert_refused(lambda: api("operator", region, "post", "/api/assets/claims", body))
    response = api("univ_admin", region, "post", "/api/assets/claims", body)
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert AssetClaim.objects.get().organisation.kind == "university"


# --- deciding a claim: operators only -------------------------------------------------------------------------


@pytest.fixture
def claim(trademark: Trademark, region: dict) -> AssetClaim:
    return services.create_claim(actor=region["ent_admin"], asset=trademark, evidence="商标注册证")


def decide(client: Client, claim: AssetClaim, action: str = "confirm", note: str = "") -> object:
    return client.post(f"/assets/claims/{claim.pk}/", {"action": action, "note": note})


def test_decide_anonymous_goes_to_login(claim: AssetClaim) -> None:
    assert_refused(lambda: decide(Client(), claim), 302)


@pytest.mark.parametrize("username", ["ent_admin", "ent_user", "secadmin", "auditor"])
def test_decide_refused_for_everyone_but_operators(login, claim: AssetClaim, username: str) -> None:
    assert_refused(lambda: decide(login(username), claim))


def test_decide_refused_for_another_organisation_even_to_look(login, claim: AssetClaim) -> None:
    assert_refused(lambda: login("bank_admin").get(f"/assets/claims/{claim.pk}/"))
    assert_refused(lambda: decide(login("bank_admin"), claim))


def test_decide_by_an_operator(login, claim: AssetClaim) -> None:
    response = decide(login("operator"), claim)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "confirmed" and claim.decided_by.username == "operator"
    assert claim.trademark.owner_organisation == claim.organisation


def test_decide_through_the_api_with_each_role(region: dict, claim: AssetClaim) -> None:
    url = f"/api/assets/claims/{claim.pk}/decision"
    assert_refused(lambda: api(None, region, "post", url, {"confirm": True}), 401)
    assert_refused(lambda: api("ent_admin", region, "post", url, {"confirm": True}))
    assert_refused(lambda: api("secadmin", region, "post", url, {"confirm": True}))
    response = api("operator", region, "post", url, {"confirm": False, "note": "证据不足"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


# --- reading ---------------------------------------------------------------------------------------------------


def test_reading_needs_membership_of_an_approved_organisation(
    region: dict, login, trademark: Trademark
) -> None:
    assert Client().get("/assets/trademarks/").status_code == 302
    assert_refused(lambda: login("pending_admin").get("/assets/trademarks/"))
    assert_refused(lambda: login("pending_admin").get(f"/assets/trademarks/{trademark.pk}/"))
    assert_refused(lambda: api("pending_admin", region, "get", "/api/assets/trademarks"))
    assert login("bank_user").get(f"/assets/trademarks/{trademark.pk}/").status_code == 200


def test_the_operators_claim_list_is_for_operators(login, claim: AssetClaim) -> None:
    assert_refused(lambda: login("ent_admin").get("/assets/claims/"))
    assert login("operator").get("/assets/claims/").status_code == 200
