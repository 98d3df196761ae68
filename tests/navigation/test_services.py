"""Navigation project services over real gazette records: scope checks, the hit set, team roles, sample
review (precision), reference set (recall), runs on a frozen scope, publication; refused actions change
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from openpyxl import load_workbook

from ipops.core.jobs import execute_job
from ipops.core.models import AuditEntry
from ipops.corpus.query import connect
from ipops.navigation import services
from ipops.navigation.models import NavigationProject, ProjectMember, ProjectRun, SampleItem
from ipops.navigation.report import REPORT_FILES
from ipops.navigation.scope import count_hits, scope_of
from ipops.navigation.stats import wilson
from ipops.reference.industries import industries_for_ipc

pytestmark = pytest.mark.django_db


def hits_of(project: NavigationProject) -> int:
    con = connect()
    try:
        return count_hits(con, scope_of(project.scope()))
    finally:
        con.close()


def brute_force_hits(prefixes: list[str]) -> int:
    """Count the hits the slow way: every IPC code of every patent, tested in Python."""
    con = connect()
    try:
        rows = con.execute("SELECT patent_id, code FROM classifications WHERE scheme = 'ipc'").fetchall()
    finally:
        con.close()
    return len({pid for pid, code in rows if any(code.startswith(p) for p in prefixes)})


# --- create and edit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["secadmin", "ent_user", "agency_admin", "univ_admin"])
def test_only_operators_create_projects(corpus: dict, username: str) -> None:
    before = NavigationProject.objects.count()
    with pytest.raises(PermissionDenied):
        services.create_project(actor=corpus[username], title="x", kind="region")
    assert NavigationProject.objects.count() == before


def test_the_hit_set_is_the_scope_over_the_real_records(project: NavigationProject) -> None:
    hits = hits_of(project)
    assert hits > 0
    assert hits == brute_force_hits(["H01L", "G06F", "H04L", "H04N", "G06N"])
    narrower = services.update_project(actor=project.created_by, project=project, ipc_codes="H01L")
    assert 0 < hits_of(narrower) == brute_force_hits(["H01L"]) < hits


def test_keywords_region_and_years_narrow_the_set(project: NavigationProject) -> None:
    con = connect()
    try:
        title = con.execute(
            "SELECT p.title FROM patents p JOIN classifications c ON c.patent_id = p.id WHERE c.code LIKE 'H01L%' LIMIT 1"
        ).fetchone()[0]
        province, year = con.execute(
            "SELECT province_code, app_year FROM patents WHERE province_code <> '' AND app_year IS NOT NULL LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    word = title[2:6]
    keyworded = services.update_project(actor=project.created_by, project=project, keywords=word)
    assert (
        1
        <= hits_of(keyworded)
        <= hits_of(services.update_project(actor=project.created_by, project=project, keywords=""))
    )
    services.update_project(actor=project.created_by, project=project, ipc_codes="", region_code=province)
    con = connect()
    try:
        in_province = con.execute(
            "SELECT count(*) FROM patents WHERE province_code = ?", [province]
        ).fetchone()[0]
        in_year = con.execute(
            "SELECT count(*) FROM patents WHERE province_code = ? AND app_year = ?", [province, year]
        ).fetchone()[0]
    finally:
        con.close()
    project.refresh_from_db()
    assert hits_of(project) == in_province
    services.update_project(actor=project.created_by, project=project, year_from=year, year_to=year)
    project.refresh_from_db()
    assert hits_of(project) == in_year


def test_a_scope_matching_nothing_is_an_empty_set_not_an_error(project: NavigationProject) -> None:
    services.update_project(actor=project.created_by, project=project, keywords="不存在的关键词组合ZZZ")
    project.refresh_from_db()
    assert hits_of(project) == 0
    with pytest.raises(ValidationError, match="matches no patents"):
        services.draw_sample(actor=project.created_by, project=project, size=5)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"year_from": 2020, "year_to": 2010}, "year_to"),
        ({"ipc_codes": "G06N; XYZ"}, "ipc_codes"),
        ({"region_code": "1101"}, "region_code"),
        ({"title": "  "}, "title"),
        ({"industry_scheme": "plan_key", "industry_code": "NOPE"}, "industry_code"),
    ],
)
def test_bad_scope_is_refused_by_field_and_changes_nothing(
    project: NavigationProject, fields: dict, field: str
) -> None:
    before = project.scope()
    with pytest.raises(ValidationError) as raised:
        services.update_project(actor=project.created_by, project=project, **fields)
    assert field in raised.value.error_dict
    project.refresh_from_db()
    assert project.scope() == before


def test_unknown_ipc_codes_are_refused_when_the_scheme_is_loaded(project: NavigationProject) -> None:
    from ipops.reference.models import IpcEntry

    IpcEntry.objects.create(code="G06N", kind="subclass")
    IpcEntry.objects.create(code="G06N 3/00", kind="main_group")
    services.update_project(actor=project.created_by, project=project, ipc_codes="G06N; G06N 3/")
    with pytest.raises(ValidationError, match="H99Z"):
        services.update_project(actor=project.created_by, project=project, ipc_codes="G06N; H99Z")


def test_an_industry_scope_uses_its_ipc_prefixes(project: NavigationProject) -> None:
    services.update_project(
        actor=project.created_by,
        project=project,
        ipc_codes="",
        industry_scheme="plan_key",
        industry_code="IC",
    )
    project.refresh_from_db()
    scope = scope_of(project.scope())
    assert "H01L 21/" in scope.technology and "G11C" in scope.technology
    con = connect()
    try:
        codes = con.execute("SELECT patent_id, code FROM classifications WHERE scheme = 'ipc'").fetchall()
    finally:
        con.close()
    mapped = industries_for_ipc({c for _, c in codes})
    expected = {pid for pid, code in codes if any(r.code == "IC" for r in mapped[code])}
    assert hits_of(project) == len(expected) > 0


# --- team and roles ------------------------------------------------------------------------------------


def test_team_membership_rules(project: NavigationProject, corpus: dict) -> None:
    operator = corpus["operator"]
    services.add_member(actor=operator, project=project, user=corpus["agency_admin"], role="analyst")
    services.add_member(actor=operator, project=project, user=corpus["univ_user"], role="reviewer")
    with pytest.raises(ValidationError):  # an enterprise cannot analyse for the centre
        services.add_member(actor=operator, project=project, user=corpus["ent_user"], role="analyst")
    with pytest.raises(ValidationError):  # a university may review, not analyse
        services.add_member(actor=operator, project=project, user=corpus["univ_user"], role="analyst")
    with pytest.raises(ValidationError):  # pending organisation
        services.add_member(actor=operator, project=project, user=corpus["pending_admin"], role="reviewer")
    with pytest.raises(PermissionDenied):  # an analyst does not manage the team
        services.add_member(
            actor=corpus["agency_admin"], project=project, user=corpus["univ_admin"], role="reviewer"
        )
    assert sorted(ProjectMember.objects.filter(project=project).values_list("user__username", "role")) == [
        ("agency_admin", "analyst"),
        ("univ_user", "reviewer"),
    ]


@pytest.fixture
def team(project: NavigationProject, corpus: dict) -> NavigationProject:
    services.add_member(
        actor=corpus["operator"], project=project, user=corpus["agency_admin"], role="analyst"
    )
    services.add_member(actor=corpus["operator"], project=project, user=corpus["univ_user"], role="reviewer")
    return project


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("operator", True),
        ("agency_admin", True),
        ("univ_user", False),
        ("secadmin", False),
        ("ent_user", False),
    ],
)
def test_who_edits_the_scope(team: NavigationProject, corpus: dict, username: str, allowed: bool) -> None:
    if allowed:
        services.update_project(actor=corpus[username], project=team, strategy="changed")
        team.refresh_from_db()
        assert team.strategy == "changed"
    else:
        with pytest.raises(PermissionDenied):
            services.update_project(actor=corpus[username], project=team, strategy="changed")
        team.refresh_from_db()
        assert team.strategy != "changed"


def test_sample_review_gives_precision_with_an_interval(team: NavigationProject, corpus: dict) -> None:
    hits = hits_of(team)
    items = services.draw_sample(actor=corpus["agency_admin"], project=team, size=20, seed=42)
    assert len(items) == min(20, hits) and len({i.patent_id for i in items}) == len(items)
    again = services.draw_sample(actor=corpus["agency_admin"], project=team, size=20, seed=42)
    assert [i.patent_id for i in again] == [i.patent_id for i in items]  # reproducible from the seed
    items = list(SampleItem.objects.filter(project=team))
    for refused in ("agency_admin", "operator", "ent_user"):
        with pytest.raises(PermissionDenied):
            services.review_item(actor=corpus[refused], item=items[0], relevant=True)
    assert SampleItem.objects.get(pk=items[0].pk).relevant is None
    reviewer = corpus["univ_user"]
    for i, item in enumerate(items[:10]):
        services.review_item(actor=reviewer, item=item, relevant=i % 5 != 0)  # 8 of 10 relevant
    quality = services.quality(team)
    assert quality.hits == hits and quality.reviewed == 10 and quality.sampled == len(items)
    assert quality.precision.value == pytest.approx(0.8)
    assert quality.precision.low < 0.8 < quality.precision.high
    assert quality.precision == wilson(8, 10, 0.95, population=hits)


def test_recall_against_a_reference_set(team: NavigationProject, corpus: dict) -> None:
    con = connect()
    try:
        inside = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT p.pub_number FROM patents p JOIN classifications c ON c.patent_id = p.id "
                "WHERE starts_with(c.code, 'H01L') ORDER BY 1 LIMIT 3"
            ).fetchall()
        ]
        outside = [
            r[0]
            for r in con.execute(
                "SELECT p.pub_number FROM patents p WHERE p.id NOT IN (SELECT patent_id FROM classifications "
                "WHERE starts_with(code, 'H01L') OR starts_with(code, 'G06') OR starts_with(code, 'H04')) ORDER BY 1 LIMIT 1"
            ).fetchall()
        ]
    finally:
        con.close()
    assert len(inside) == 3 and len(outside) == 1
    spaced = [f"{n[:2]} {n[2:]}" for n in inside[:2]] + [inside[2][:-1].lower() + inside[2][-1]]
    services.set_reference_set(
        actor=corpus["agency_admin"], project=team, numbers="\n".join([*spaced, outside[0], "CN999999999A"])
    )
    quality = services.quality(team)
    assert quality.reference == 5 and quality.reference_in_data == 4
    assert (
        quality.recall is not None and quality.recall.hits == 3 and quality.recall.value == pytest.approx(0.6)
    )
    with pytest.raises(ValidationError, match="Not publication numbers"):
        services.set_reference_set(actor=corpus["agency_admin"], project=team, numbers="hello; CN1A")
    with pytest.raises(PermissionDenied):
        services.set_reference_set(actor=corpus["univ_user"], project=team, numbers="CN1A")
    team.refresh_from_db()
    assert len(team.reference_numbers) == 5


def test_comments_by_team_and_operators_only(team: NavigationProject, corpus: dict) -> None:
    services.add_comment(actor=corpus["univ_user"], project=team, text="样本第3条不相关")
    services.add_comment(actor=corpus["operator"], project=team, text="同意")
    for refused in ("ent_user", "secadmin"):
        with pytest.raises(PermissionDenied):
            services.add_comment(actor=corpus[refused], project=team, text="x")
    with pytest.raises(ValidationError):
        services.add_comment(actor=corpus["univ_user"], project=team, text="   ")
    assert list(team.comments.values_list("text", flat=True)) == ["样本第3条不相关", "同意"]


# --- runs and publication ------------------------------------------------------------------------------


def run_now(project: NavigationProject, actor: object) -> ProjectRun:
    run = services.start_run(actor=actor, project=project, enqueue=False)
    assert run.job is not None
    job = execute_job(str(run.job.pk))
    assert job.status == "succeeded", job.error
    run.refresh_from_db()
    return run


def test_a_run_works_on_the_scope_copied_when_it_started(team: NavigationProject, corpus: dict) -> None:
    run = services.start_run(actor=corpus["agency_admin"], project=team, enqueue=False)
    expected = hits_of(team)
    services.update_project(actor=corpus["operator"], project=team, ipc_codes="A01B")  # edited while queued
    assert run.job is not None
    done = execute_job(str(run.job.pk))
    assert done.status == "succeeded", done.error
    run.refresh_from_db()
    assert run.hits == expected != hits_of(NavigationProject.objects.get(pk=team.pk))
    assert run.scope["ipc"] == ["H01L", "G06F", "H04L", "H04N", "G06N"]
    folder = Path(run.files_dir)
    for name in REPORT_FILES.values():
        assert (folder / name).stat().st_size > 0, name
    assert (folder / REPORT_FILES["pdf"]).read_bytes().startswith(b"%PDF")
    book = load_workbook(folder / REPORT_FILES["xlsx"], read_only=True)
    assert len(list(book.worksheets[0].values)) == expected + 1  # header + every hit
    assert len(book.worksheets) > 1  # one sheet per chart table
    data = json.loads((folder / REPORT_FILES["json"]).read_text(encoding="utf-8"))
    assert data["overview"]["hits"] == expected
    assert sum(y["applications"] for y in data["overview"]["years"]) <= expected
    assert data["overview"]["cutoff"] is not None


def test_an_empty_scope_gives_a_clear_empty_report(team: NavigationProject, corpus: dict, login) -> None:  # type: ignore[no-untyped-def]
    services.update_project(actor=corpus["operator"], project=team, keywords="不存在的关键词组合ZZZ")
    team.refresh_from_db()
    run = run_now(team, corpus["operator"])
    assert run.hits == 0 and run.overview["years"] == []
    assert (Path(run.files_dir) / REPORT_FILES["pdf"]).read_bytes().startswith(b"%PDF")
    page = login("operator").get(f"/navigation/{team.pk}/runs/{run.pk}/")
    assert page.status_code == 200 and 'id="empty-report"' in page.content.decode()


def test_publication_rules(team: NavigationProject, corpus: dict) -> None:
    with pytest.raises(ValidationError, match="before publishing"):
        services.publish(actor=corpus["operator"], project=team)
    run_now(team, corpus["agency_admin"])
    services.save_conclusions(actor=corpus["agency_admin"], project=team, text="建议重点布局半导体封装。")
    for refused in ("agency_admin", "univ_user", "ent_user", "secadmin"):
        with pytest.raises(PermissionDenied):
            services.publish(actor=corpus[refused], project=team)
        team.refresh_from_db()
        assert not team.is_published
    entries = AuditEntry.objects.filter(action="navigation.publish").count()
    services.publish(actor=corpus["operator"], project=team)
    team.refresh_from_db()
    assert team.is_published and team.published_conclusions == "建议重点布局半导体封装。"
    assert team.published_run is not None
    published_html = (Path(team.published_run.files_dir) / REPORT_FILES["html"]).read_text(encoding="utf-8")
    assert "建议重点布局半导体封装" in published_html  # the downloads carry the published conclusions
    assert AuditEntry.objects.filter(action="navigation.publish").count() == entries + 1
    # later edits of the conclusions do not change the published report until it is published again
    services.save_conclusions(actor=corpus["agency_admin"], project=team, text="草稿")
    team.refresh_from_db()
    assert team.published_conclusions == "建议重点布局半导体封装。"
    with pytest.raises(PermissionDenied):
        services.unpublish(actor=corpus["agency_admin"], project=team)
    services.unpublish(actor=corpus["operator"], project=team)
    team.refresh_from_db()
    assert not team.is_published


def test_pages_by_role(team: NavigationProject, corpus: dict, login) -> None:  # type: ignore[no-untyped-def]
    detail = f"/navigation/{team.pk}/"
    assert Client().get(detail).status_code == 302  # anonymous: log in
    assert login("ent_user").get(detail).status_code == 403
    assert login("secadmin").get(detail).status_code == 403
    for username in ("operator", "agency_admin", "univ_user"):
        assert login(username).get(detail).status_code == 200, username
    public = f"/navigation/reports/{team.pk}/"
    assert Client().get(public).status_code == 404  # not published
    run_now(team, corpus["operator"])
    services.publish(actor=corpus["operator"], project=team)
    page = Client().get(public)
    assert page.status_code == 200 and b'id="chart-data"' in page.content and b"data-chart=" in page.content
    pdf = Client().get(f"{public}pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert Client().get(f"{public}xlsx/").status_code == 200
    assert Client().get(f"{public}nonsense/").status_code == 404
    listing = Client().get("/navigation/reports/")
    assert team.title in listing.content.decode()


def test_refused_page_actions_change_nothing(team: NavigationProject, corpus: dict, login) -> None:  # type: ignore[no-untyped-def]
    base = f"/navigation/{team.pk}"
    for username in ("ent_user", "univ_user"):
        client = login(username)
        assert client.post(f"{base}/publish/").status_code == 403
        assert client.post(f"{base}/run/").status_code == 403
        assert client.post(f"{base}/team/", {"username": "ent_admin", "role": "analyst"}).status_code == 403
        assert client.post(f"{base}/conclusions/", {"text": "hacked"}).status_code == 403
    assert Client().post(f"{base}/publish/").status_code == 302
    team.refresh_from_db()
    assert not team.is_published and team.conclusions == "" and not team.runs.exists()
    assert team.members.count() == 2


def test_operator_creates_through_the_form(corpus: dict, login) -> None:  # type: ignore[no-untyped-def]
    client = login("operator")
    bad = client.post(
        "/navigation/new/", {"title": "T", "kind": "region", "year_from": 2020, "year_to": 2000}
    )
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    assert not NavigationProject.objects.filter(title="T").exists()
    ok = client.post(
        "/navigation/new/", {"title": "T", "kind": "region", "ipc_codes": "g06n3", "industry": "plan_key:AI"}
    )
    assert ok.status_code == 302
    created = NavigationProject.objects.get(title="T")
    assert created.ipc_codes == ["G06N 3/"] and created.industry_code == "AI"
    assert login("ent_user").get("/navigation/new/").status_code == 403
    listing = client.get("/navigation/?export=xlsx")
    assert listing.status_code == 200 and listing["Content-Type"].startswith("application/vnd.openxmlformats")
