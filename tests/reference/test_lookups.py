"""IPC titles with fallback up the hierarchy and WIPO technology fields by longest prefix, one query a call."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from ipops.patents.normalize.ipc import IpcError, parse_ipc_list
from ipops.reference.models import IpcTechnologyField, TechnologyField
from ipops.reference.services import ipc_titles, technology_field_for, technology_fields_for
from tests.reference.conftest import CNIPA_SAMPLE

pytestmark = pytest.mark.django_db

SLEEPERS_ZH = "横向或纵向轨枕（用于转辙器或交叉的入E01B7/22）；直接放在道碴层上支承轨道的其他设备"
RAIL_JOINTS_ZH = "钢轨的接头（钢轨的电气连接入B60M5/00）"


def sample_codes() -> list[str]:
    with CNIPA_SAMPLE.open(encoding="utf-8") as handle:
        return list(
            dict.fromkeys(c.code for row in csv.DictReader(handle) for c in parse_ipc_list(row["分类号"]))
        )


def test_titles_in_chinese_fall_back_up_the_hierarchy(
    loaded: str, django_assert_num_queries: Callable[..., Any]
) -> None:
    asked = [
        "E01B 3/32",  # its own title
        "E01B3/32(2006.01)I",  # any spelling; the key is the code as given
        "E01B 11/24",  # listed, but its Chinese title was lost (dots only): the main group's
        "E01D 15/133",  # cut in two in the Chinese source: the main group's
        "E01B 3/99",  # not in the scheme: the main group's
        "E01B 98/00",  # no such main group: the subclass's
        "E01B",
        "E09B 1/00",  # no such subclass: nothing (no fall back to class or section)
        "not a code",
    ]
    with django_assert_num_queries(1):
        titles = ipc_titles(asked, "zh-hans")
    assert titles == {
        "E01B 3/32": "加护套或带有加强筋的（空心轨枕入E01B3/30）",
        "E01B3/32(2006.01)I": "加护套或带有加强筋的（空心轨枕入E01B3/30）",
        "E01B 11/24": RAIL_JOINTS_ZH,
        "E01D 15/133": titles["E01D 15/133"],
        "E01B 3/99": SLEEPERS_ZH,
        "E01B 98/00": titles["E01B"],
        "E01B": titles["E01B"],
    }
    assert titles["E01D 15/133"].startswith("活动式或轻便式桥")
    assert titles["E01B"].startswith("铁路轨道；铁路轨道附件")


def test_titles_in_english(loaded: str, django_assert_num_queries: Callable[..., Any]) -> None:
    with django_assert_num_queries(1):
        titles = ipc_titles(
            ["E01B 3/32", "E01B 11/24", "E01D 15/133", "E01B 3/99", "H01L 21/00", "H10K 50/00"], "en"
        )
    assert titles == {
        "E01B 3/32": "with armouring or reinforcement (hollow sleepers E01B 3/30)",
        "E01B 11/24": "with oblique or overlapping rail ends",
        "E01D 15/133": "built-up from readily separable standardised sections or elements, e.g. Bailey bridges "
        "(E01D 15/127 takes precedence)",
        "E01B 3/99": titles["E01B 3/99"],
        "H01L 21/00": titles["H01L 21/00"],
        # H10K is new in IPC 2023: no English title in the older WIPO list, and none borrowed from Chinese
    }
    assert titles["E01B 3/99"].startswith("Transverse or longitudinal sleepers")
    assert titles["H01L 21/00"].startswith("Processes or apparatus specially adapted for the manufacture")
    assert ipc_titles(["H10K 50/00"], "zh")["H10K 50/00"].startswith("有机发光器件")


def test_no_codes_no_query(loaded: str, django_assert_num_queries: Callable[..., Any]) -> None:
    with django_assert_num_queries(0):
        assert ipc_titles([], "zh") == {}
    with django_assert_num_queries(0):
        assert technology_fields_for(["garbage"]) == {}


def test_every_code_of_the_cnipa_sample_has_a_title_and_a_field(
    loaded: str, django_assert_num_queries: Callable[..., Any]
) -> None:
    codes = sample_codes()
    assert len(codes) == 152
    with django_assert_num_queries(1):
        assert set(ipc_titles(codes, "zh")) == set(codes)
    with django_assert_num_queries(1):
        fields = technology_fields_for(codes)
    assert set(fields) == set(codes)
    assert Counter(f.name_en for f in fields.values()) == {
        "Civil engineering": 139,
        "Electrical machinery, apparatus, energy": 4,
        "Transport": 3,
        "Audio-visual technology": 3,
        "Other special machines": 1,
        "Environmental technology": 1,
        "Other consumer goods": 1,
    }


def test_the_technology_field_of_a_sleeper(loaded: str) -> None:
    field = technology_field_for("E01B3/32(2006.01)I")
    assert field is not None
    assert (field.number, field.name_en, field.name_zh) == (35, "Civil engineering", "土木工程")
    assert (field.name("zh-hans"), field.name("en"), field.sector("zh"), field.sector("en")) == (
        "土木工程",
        "Civil engineering",
        "其他领域",
        "Other fields",
    )


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("E01F 8/00", 24),  # main-group prefix "E01F 8/": noise barriers are environmental technology
        ("E01F 9/011", 35),  # "E01F 9/"
        ("E01F 80/00", None),  # "E01F 8/" must not cover E01F 80/…
        ("E01F 17/00", None),  # E01F is mapped group by group; 17/00 is not among them
        ("H04N 1/00", 3),
        ("H04N 101/00", 2),
        ("H04N 21/00", 4),
        ("G01N 33/50", 11),
        ("G01N 23/20", 10),
        ("H10K 50/00", None),  # IPC 2023 subclass; the concordance predates it
        ("E01B", 35),
    ],
)
def test_longest_prefix_of_the_concordance(loaded: str, code: str, number: int | None) -> None:
    field = technology_field_for(code)
    assert (field.number if field else None) == number


def test_the_longest_prefix_wins_over_a_subclass(
    loaded: str, django_assert_num_queries: Callable[..., Any]
) -> None:
    civil = TechnologyField.objects.get(number=35)
    IpcTechnologyField.objects.create(ipc_prefix="E01F", field=civil)
    with django_assert_num_queries(1):
        fields = technology_fields_for(["E01F 8/00", "E01F 17/00", "E01F"])
    assert {code: f.number for code, f in fields.items()} == {"E01F 8/00": 24, "E01F 17/00": 35, "E01F": 35}


def test_a_code_that_is_not_ipc_is_an_error(loaded: str) -> None:
    with pytest.raises(IpcError):
        technology_field_for("Y02E 10/50")
    assert technology_field_for("A01B 1/00") is None  # not in the excerpt's concordance
