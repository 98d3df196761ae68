"""Pages and API of the valuation module, for every role: anonymous, outsider, member without the role,
member with it; refused actions change nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ipops.accounts.models import Organisation
from ipops.patents.models import Applicant, Patent
from ipops.valuation import services
from ipops.valuation.models import InnovationProfile, PatentAward, Valuation
from tests.analytics.test_report import pdf_text_chars

from .test_services import FULL

NUMBER = "CN102889890B"


@pytest.fixture
def patent(granted: dict) -> Patent:
    Patent.objects.filter(pub_number=NUMBER).update(legal_status="granted")
    return Patent.objects.get(pub_number=NUMBER)


def form_data(**extra: str) -> dict[str, str]:
    data = {"number": NUMBER, "scenario": "finance", **{f"level_{k}": str(v) for k, v in FULL.items()}}
    data.update(extra)
    return data


def test_anonymous_is_sent_to_log_in(patent: Patent) -> None:
    client = Client()
    for name in ("valuation_list", "valuation_new", "organisation_list"):
        response = client.get(reverse(f"valuation:{name}"))
        assert response.status_code == 302 and "login" in response["Location"]
    client.post(reverse("valuation:valuation_new"), form_data())
    assert not Valuation.objects.exists()
    assert Client().get("/api/valuation/valuations").status_code == 401


@pytest.mark.parametrize("username", ["ent_admin", "univ_user", "secadmin"])
def test_the_tool_is_refused_to_non_valuers(login, patent: Patent, username: str) -> None:
    client = login(username)
    assert client.get(reverse("valuation:valuation_new")).status_code == 403
    assert client.post(reverse("valuation:valuation_new"), form_data()).status_code == 403
    response = client.post(
        "/api/valuation/valuations",
        json.dumps({"pub_number": NUMBER, "indicators": FULL}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Valuation.objects.exists()


def test_bank_user_values_a_patent_and_reads_the_report(login, patent: Patent) -> None:
    client = login("bank_user")
    page = client.get(reverse("valuation:valuation_new"))
    assert page.status_code == 200 and b"level_originality" in page.content
    response = client.post(
        reverse("valuation:valuation_new"),
        form_data(revenue="2000000", growth="0.03", royalty_rate="0.04", economic_life_years="6"),
    )
    valuation = Valuation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "valuation:valuation_detail", args=[valuation.pk]
    )
    assert valuation.value is not None and valuation.created_by.username == "bank_user"
    report = client.get(response["Location"])
    assert report.status_code == 200
    text = report.content.decode()
    assert 'id="radar-chart"' in text and "radar-data" in text and valuation.results["score"] in text
    assert str(valuation.value) in text
    pdf = client.get(reverse("valuation:valuation_pdf", args=[valuation.pk]))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    # the Chinese of the report (the title, the patent's title) is drawn from the vendored font and maps back
    wanted = {ch for ch in "价值评估报告" + patent.title if "\u4e00" <= ch <= "\u9fff"}
    assert wanted <= pdf_text_chars(pdf.content)
    listing = client.get(reverse("valuation:valuation_list"))
    assert (
        NUMBER in listing.content.decode() and '<option value="licence_transfer">' in listing.content.decode()
    )
    export = client.get(reverse("valuation:valuation_list") + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_bad_input_shows_a_clear_message_and_saves_nothing(login, patent: Patent) -> None:
    client = login("appraiser")
    with translation.override("en"):
        response = client.post(
            reverse("valuation:valuation_new"),
            form_data(revenue="-5", royalty_rate="0.04"),
            HTTP_ACCEPT_LANGUAGE="en",
        )
        missing = client.post(reverse("valuation:valuation_new"), {"number": NUMBER, "scenario": "finance"})
        unknown = client.post(reverse("valuation:valuation_new"), form_data(number="CN000000000A"))
    assert response.status_code == 200 and b'data-field="revenue"' in response.content
    assert missing.status_code == 200 and "同族专利情况" in missing.content.decode()
    assert unknown.status_code == 200 and b'data-field="number"' in unknown.content
    assert not Valuation.objects.exists()


def test_reports_of_another_organisation_are_refused(login, region: dict, patent: Patent) -> None:
    valuation = services.value_patent(
        actor=region["bank_user"], patent=patent, scenario="finance", entered=FULL
    )
    assert (
        login("appraiser").get(reverse("valuation:valuation_detail", args=[valuation.pk])).status_code == 403
    )
    assert login("appraiser").get(reverse("valuation:valuation_pdf", args=[valuation.pk])).status_code == 403
    assert login("appraiser").get(f"/api/valuation/valuations/{valuation.pk}").status_code == 403
    assert (
        login("bank_admin").get(reverse("valuation:valuation_detail", args=[valuation.pk])).status_code == 200
    )
    assert login("auditor").get(reverse("valuation:valuation_detail", args=[valuation.pk])).status_code == 200
    assert login("ent_admin").get(reverse("valuation:valuation_list")).status_code == 403
    listed = login("appraiser").get("/api/valuation/valuations").json()
    assert listed["count"] == 0


def test_api_creates_versions_and_reports_bad_input(login, patent: Patent) -> None:
    client = login("guarantor_admin")
    body = {"pub_number": NUMBER, "scenario": "finance", "indicators": FULL,
            "inputs": {"revenue": "1000000", "royalty_rate": "0.05", "monte_carlo": {"draws": 500}}}  # fmt: skip
    first = client.post("/api/valuation/valuations", json.dumps(body), content_type="application/json")
    second = client.post("/api/valuation/valuations", json.dumps(body), content_type="application/json")
    assert first.status_code == second.status_code == 201
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert Decimal(first.json()["value_low"]) <= Decimal(first.json()["value_high"])
    bad = dict(
        body, inputs={"revenue": "1000000", "royalty_rate": "0.05", "discount_rate": "0.01", "growth": "0.02"}
    )
    with translation.override("en"):
        refused = client.post("/api/valuation/valuations", json.dumps(bad), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["fields"][0]["field"] == "discount_rate"
    assert Valuation.objects.count() == 2
    catalogue = client.get("/api/valuation/catalogue").json()
    assert len(catalogue["indicators"]) == 27 and len(catalogue["scenarios"]) == 5
    assert client.get("/api/valuation/high-value").json()["patents"] == Patent.objects.count()


def test_portfolio_and_innovation_score(login, region: dict, patent: Patent) -> None:
    firm = Organisation.objects.get(users__username="ent_admin")
    applicant = patent.applicants.first()
    Applicant.objects.filter(pk=applicant.pk).update(organisation=firm)
    services.save_innovation_profile(
        actor=region["ent_admin"], organisation=firm,
        values={"industry": "软件", "employees": 50, "rd_staff": 15, "revenue": "10000000", "rd_spending": "500000"},
    )  # fmt: skip
    for username in ("ent_admin", "ent_user", "bank_user", "operator"):
        page = login(username).get(reverse("valuation:organisation_detail", args=[firm.pk]))
        assert page.status_code == 200, username
    text = page.content.decode()
    assert 'id="score-histogram"' in text and NUMBER in text and 'id="peer-percentile"' in text
    assert login("univ_user").get(reverse("valuation:organisation_detail", args=[firm.pk])).status_code == 403
    assert login("univ_user").get(f"/api/valuation/organisations/{firm.pk}/innovation").status_code == 403
    result = login("bank_user").get(f"/api/valuation/organisations/{firm.pk}/innovation").json()
    rows = {r["code"]: r for r in result["indicators"]}
    # R&D spending 500,000 / revenue 10,000,000 = 5 %: half of the 10 % that scores 100
    assert rows["rd_intensity"]["score"] == 50.0 and rows["rd_staff_share"]["score"] == 100.0
    assert rows["all_patents"]["value"] == str(
        Patent.objects.filter(applicants__organisation=firm).distinct().count()
    )
    assert result["peers"] == 1 and result["percentile"] == 100.0 and result["peer_group"] == "软件"
    own = login("ent_user").get(reverse("valuation:organisation_list"))
    assert own.status_code == 302 and str(firm.pk) in own["Location"]


def test_profile_page_and_api_for_each_role(login, region: dict) -> None:
    firm = Organisation.objects.get(users__username="ent_admin")
    url = reverse("valuation:profile_edit", args=[firm.pk])
    assert Client().get(url).status_code == 302
    for username in ("ent_user", "bank_user", "univ_admin"):  # member without the role, outsiders
        client = login(username)
        assert client.get(url).status_code == 403
        assert client.post(url, {"rd_staff": "3", "employees": "9"}).status_code == 403
        put = client.put(
            f"/api/valuation/organisations/{firm.pk}/profile",
            json.dumps({"rd_staff": 3}),
            content_type="application/json",
        )
        assert put.status_code == 403
    assert not InnovationProfile.objects.exists()
    admin = login("ent_admin")
    assert admin.get(url).status_code == 200
    bad = admin.post(url, {"rd_staff": "30", "employees": "9"})
    assert (
        bad.status_code == 200
        and b'data-field="rd_staff"' in bad.content
        and not InnovationProfile.objects.exists()
    )
    assert admin.post(url, {"industry": "软件", "rd_staff": "3", "employees": "9"}).status_code == 302
    assert InnovationProfile.objects.get().rd_staff == 3
    put = login("operator").put(
        f"/api/valuation/organisations/{firm.pk}/profile",
        json.dumps({"industry": "软件", "revenue": "-1"}),
        content_type="application/json",
    )
    assert put.status_code == 400 and put.json()["fields"][0]["field"] == "revenue"
    assert InnovationProfile.objects.get().revenue is None


def test_awards_api_for_each_role(login, patent: Patent) -> None:
    body = json.dumps({"pub_number": NUMBER, "kind": "cpa_gold", "year": 2022})
    assert Client().post("/api/valuation/awards", body, content_type="application/json").status_code == 401
    for username in ("bank_user", "secadmin", "ent_admin"):
        assert (
            login(username).post("/api/valuation/awards", body, content_type="application/json").status_code
            == 403
        )
    assert not PatentAward.objects.exists()
    created = login("operator").post("/api/valuation/awards", body, content_type="application/json")
    assert created.status_code == 201 and PatentAward.objects.get().patent == patent
    wrong = login("operator").post(
        "/api/valuation/awards",
        json.dumps({"pub_number": NUMBER, "kind": "nobel", "year": 2022}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and PatentAward.objects.count() == 1
