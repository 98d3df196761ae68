"""The keyword index, the query language, vectors and hybrid matching on real titles; results compared
with what the database says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ipops.patents.models import Classification, Patent
from ipops.search import engine, querylang
from ipops.search.keyword import Filters
from ipops.search.vectors import VectorIndex

pytestmark = pytest.mark.django_db


def numbers(result: engine.SearchResult) -> set[str]:
    ids = [pid for pid, _s in result.hits]
    return set(Patent.objects.filter(pk__in=ids).values_list("pub_number", flat=True))


def db_numbers(**lookup: object) -> set[str]:
    return set(Patent.objects.filter(**lookup).values_list("pub_number", flat=True))


def test_a_word_finds_exactly_the_patents_whose_text_holds_it(shared_built: list[Patent]) -> None:
    result = engine.keyword_search("电池", limit=100)
    expected = db_numbers(title__contains="电池") | db_numbers(abstract__contains="电池")
    assert len(expected) >= 8
    assert numbers(result) == expected
    assert result.total == len(expected)


def test_boolean_operators_and_phrases(shared_built: list[Patent]) -> None:
    battery = db_numbers(title__contains="电池")
    drone = db_numbers(title__contains="无人机")
    car = db_numbers(title__contains="新能源汽车")
    assert numbers(engine.keyword_search("电池 OR 无人机", limit=100)) == battery | drone
    assert numbers(engine.keyword_search("电池 NOT 新能源汽车", limit=100)) == battery - car
    assert numbers(engine.keyword_search("电池 -新能源汽车", limit=100)) == battery - car
    assert numbers(engine.keyword_search("电池 AND 新能源汽车", limit=100)) == battery & car
    assert numbers(engine.keyword_search('"动力电池"', limit=100)) == db_numbers(title__contains="动力电池")
    both = engine.keyword_search("(电池 OR 无人机) NOT 检测", limit=100)
    assert numbers(both) == (battery | drone) - db_numbers(title__contains="检测")


def test_field_prefixes(shared_built: list[Patent]) -> None:
    h01m = set(Classification.objects.filter(subclass="H01M").values_list("patent__pub_number", flat=True))
    assert h01m and numbers(engine.keyword_search("ipc:H01M", limit=100)) == h01m
    assert numbers(engine.keyword_search("ipc:h01m", limit=100)) == h01m
    university = db_numbers(applicant_links__applicant__name="北京朝阳理工大学")
    assert numbers(engine.keyword_search("applicant:理工大学", limit=100)) == university
    in_title = numbers(engine.keyword_search("title:电池", limit=100))
    assert in_title == db_numbers(title__contains="电池")


def test_filters_and_facet_counts_agree_with_the_database(shared_built: list[Patent]) -> None:
    result = engine.keyword_search("电池 OR 无人机 OR 中药", limit=100)
    matched = Patent.objects.filter(pk__in=[pid for pid, _s in result.hits])
    for value, count in result.facets["type"]:
        assert matched.filter(patent_type=value).count() == count
    for value, count in result.facets["year"]:
        assert matched.filter(app_date__year=int(value)).count() == count
    for value, count in result.facets["ipc"]:
        assert matched.filter(classifications__subclass=value).distinct().count() == count
    filtered = engine.keyword_search(
        "电池 OR 无人机 OR 中药",
        filters=Filters(patent_type="invention", legal_status="granted", year_from=2016, year_to=2019),
        limit=100,
    )
    expected = set(
        matched.filter(
            patent_type="invention",
            legal_status="granted",
            app_date__year__gte=2016,
            app_date__year__lte=2019,
        ).values_list("pub_number", flat=True)
    )
    assert numbers(filtered) == expected


def test_sort_by_date_is_newest_first_and_pages_do_not_overlap(shared_built: list[Patent]) -> None:
    first = engine.keyword_search("电池 OR 无人机 OR 中药 OR 太阳能", sort="date", limit=5)
    second = engine.keyword_search("电池 OR 无人机 OR 中药 OR 太阳能", sort="date", limit=5, offset=5)
    dates = [Patent.objects.get(pk=pid).app_date for pid, _s in first.hits + second.hits]
    assert dates == sorted(dates, reverse=True)
    assert not {p for p, _s in first.hits} & {p for p, _s in second.hits}


@pytest.mark.parametrize(
    ("query", "note_part"),
    [
        ("", "Type some words"),
        ("的 了 和 ，。！", "only common words"),
        ('"锂电池', "quotation mark"),
        ("(电池 OR 无人机", "parenthesis was not closed"),
        ("电池)", "closing parenthesis"),
        ("colour:红色 电池", "not a field we know"),
        ("电池" * 5000, "longer than"),
    ],
)
def test_bad_input_gives_a_note_never_an_error(
    shared_built: list[Patent], query: str, note_part: str
) -> None:
    from django.utils import translation

    with translation.override("en"):
        result = engine.keyword_search(query, limit=10)
    assert any(note_part in n for n in result.notes), result.notes


def test_unknown_prefix_searches_the_words(shared_built: list[Patent]) -> None:
    result = engine.keyword_search("colour:电池", limit=100)
    assert numbers(result) == db_numbers(title__contains="电池")


def test_parse_keeps_structure() -> None:
    parsed = querylang.parse('title:"solar cell" OR (ipc:H01M NOT 电解液)')
    assert isinstance(parsed.node, querylang.Bool) and parsed.node.op == "or"
    assert parsed.node.children[0] == querylang.Term("solar cell", "title", True)
    assert parsed.notes == []


def test_semantic_match_crosses_languages_and_explains(shared_built: list[Patent]) -> None:
    drones = db_numbers(title__contains="无人机")
    ranked = engine.match("an unmanned aerial vehicle (drone)", top=5, mode="semantic")
    found = {Patent.objects.get(pk=m.id).pub_number for m in ranked.matches}
    assert found & drones
    hybrid = engine.match("我需要一种植保无人机，用于农田喷洒农药", top=5)
    top = Patent.objects.get(pk=hybrid.matches[0].id)
    assert "无人机" in top.title
    assert hybrid.profile and max(hybrid.profile, key=lambda s: hybrid.profile[s]).startswith("B64")


def test_hybrid_scores_are_ordered_and_empty_needs_return_nothing(shared_built: list[Patent]) -> None:
    ranked = engine.match("锂电池隔膜", top=10)
    scores = [m.score for m in ranked.matches]
    assert scores == sorted(scores, reverse=True) and len(scores) == 10
    assert engine.match("   ", top=5).matches == []


def test_hnsw_and_exact_search_agree_on_the_nearest() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(300, 32)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = [f"p{i}" for i in range(300)]
    exact = VectorIndex(ids, matrix, hnsw_threshold=10_000)
    graph = VectorIndex(ids, matrix, hnsw_threshold=100, ef=200)
    assert exact.exact and not graph.exact
    for row in (0, 17, 299):
        assert exact.search(matrix[row], 1)[0][0] == f"p{row}"
        assert graph.search(matrix[row], 1)[0][0] == f"p{row}"


def test_search_before_any_index_says_so(search_dir: Path, db: None) -> None:
    with pytest.raises(engine.IndexMissingError):
        engine.keyword_search("电池")


def test_ranking_settings_come_from_the_data_file_and_a_region_override(
    shared_built: list[Patent],
    tmp_path: Path,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from ipops.search.settings import DEFAULTS, config

    defaults = json.loads(DEFAULTS.read_text())
    assert config()["feedback_weight"] == defaults["feedback_weight"]
    assert len(engine.match("锂电池隔膜", top=10).matches) == 10
    override = tmp_path / "region.json"
    override.write_text(json.dumps({"candidates": 3}))
    settings.IPOPS_SEARCH_CONFIG = override
    assert config()["candidates"] == 3 and config()["keyword_weight"] == defaults["keyword_weight"]
    assert len(engine.match("锂电池隔膜", top=10).matches) <= 6  # 3 keyword + 3 semantic candidates


def test_index_analysis_gives_the_tokens_the_queries_use() -> None:
    """The indexer's one-pass analysis (one segmenter call for many texts) must give exactly the words
    and bigrams that queries are analysed into, or a query would miss the patents that hold its words."""
    from ipops.search import text
    from tests.search.conftest import rows

    texts = [t for r in rows() for t in (r["title"], r["abstract"])]
    texts += ["", "的", "A的B", "USB-C接口 3.5mm 的 and 与 Wi-Fi6", "中国\n人民", "ABC中文DEF中", "一 二 三"]
    expected = [(text.joined(text.words(t)), text.joined(text.grams(t))) for t in texts]
    assert text.analysed_many(texts) == expected
    assert [text.analysed_many([t])[0] for t in texts[:40]] == expected[:40]
    assert any(" " in words for words, _g in expected)  # the texts do segment into several words
