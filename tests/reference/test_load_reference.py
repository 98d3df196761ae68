"""manage.py load_reference: the real command on excerpts of the real files, reloads, missing and bad files."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from ipops.core.models import AuditEntry
from ipops.reference.models import IpcEntry, IpcTechnologyField, TechnologyField
from tests.reference.conftest import EN, WIPO35, ZH, load, load_all

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        IpcEntry.objects.count(),
        IpcEntry.objects.filter(in_zh=True).count(),
        IpcEntry.objects.filter(in_en=True).count(),
        TechnologyField.objects.count(),
        IpcTechnologyField.objects.count(),
    )


def state() -> dict[str, tuple[str, str, str]]:
    """Every entry's key, Chinese and English title."""
    return {e.code: (str(e.pk), e.title_zh, e.title_en) for e in IpcEntry.objects.all()}


def edited(
    source: Path,
    target: Path,
    replace: dict[str, str | None] | None = None,
    insert: tuple[int, str] | None = None,
) -> Path:
    """A copy of `source`: lines starting with a key of `replace` replaced (None: removed), `insert`
    = (line number, text) put in as that line."""
    lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    result: list[str] = []
    for line in lines:
        key = next((k for k in (replace or {}) if line.startswith(k)), None)
        if key is None:
            result.append(line)
        elif (replace or {})[key] is not None:
            result.append(f"{(replace or {})[key]}\n")
    if insert is not None:
        result.insert(insert[0] - 1, insert[1] + "\n")
    target.write_text("".join(result), encoding="utf-8")
    return target


def test_the_excerpts_load_through_the_command(loaded: str) -> None:
    assert counts() == (290, 268, 282, 20, 166)
    assert "Chinese IPC titles: 268 read" in loaded and "268 new" in loaded
    assert "English IPC titles: 282 read" in loaded and "22 new, 260 refreshed" in loaded
    assert "WIPO 35 technology fields: 166 read" in loaded
    sleeper = IpcEntry.objects.get(code="E01B 3/32")
    assert (sleeper.kind, sleeper.parent_code, sleeper.level) == ("subgroup", "E01B 3/00", None)
    assert sleeper.title_zh == "加护套或带有加强筋的（空心轨枕入E01B3/30）"
    # WIPO's 14-character references are written the usual way
    assert sleeper.title_en == "with armouring or reinforcement (hollow sleepers E01B 3/30)"
    assert IpcEntry.objects.get(code="E01B").kind == "subclass"
    assert IpcEntry.objects.get(code="E01B 3/00").level == 0
    assert IpcEntry.objects.get(code="E").title_en == "FIXED CONSTRUCTIONS"
    assert IpcEntry.objects.get(code="E").title_zh == "固定建筑物"
    field = TechnologyField.objects.get(number=35)
    assert (field.name_en, field.name_zh, field.sector_en, field.sector_zh) == (
        "Civil engineering",
        "土木工程",
        "Other fields",
        "其他领域",
    )
    assert IpcTechnologyField.objects.get(ipc_prefix="E01F 8/").field.number == 24
    assert AuditEntry.objects.filter(action="reference.load").count() == 1


def test_the_defects_of_the_sources_are_repaired_or_passed_over_and_reported(loaded: str) -> None:
    # Chinese TSV: a title that is only dots keeps the entry, its dots become the level
    untitled = IpcEntry.objects.get(code="E01B 11/24")
    assert (untitled.title_zh, untitled.level) == ("", 4)
    assert untitled.title_en == "with oblique or overlapping rail ends"
    assert "76 rows whose title is only the subgroup's dots" in loaded
    # a symbol cut in two ("G01N23/2001" + "6" for G01N 23/20016) is not loaded as G01N 23/2001
    assert not IpcEntry.objects.filter(code__in=["G01N 23/2001", "G01N 23/2"]).exists()
    assert IpcEntry.objects.get(code="G01N 23/20").title_zh.startswith("利用材料辐射的衍射")
    assert "4 rows whose title is only digits" in loaded and "lines 130, 252, 253, 256" in loaded
    # PDF artefacts: spaces between Chinese characters and edition marks are gone
    assert "非晶材料" in IpcEntry.objects.get(code="G01N 23/20").title_zh
    assert "〔" not in "".join(IpcEntry.objects.values_list("title_zh", flat=True))
    # English list: a run-on title is joined, a guidance heading gives way to the group's own title
    doors = IpcEntry.objects.get(code="B61D 19/00").title_en
    assert doors == (
        "Door arrangements specially adapted for rail vehicles (locks for vehicles E05B 77/00 – E05B 85/00; "
        "door-operating mechanisms E05F)"
    )
    assert IpcEntry.objects.get(code="E01B 1/00").title_en.startswith("Ballastway")
    assert "8 guidance headings" in loaded and "3 title lines continued" in loaded


def test_a_reload_changes_nothing_and_keeps_every_key(loaded: str) -> None:
    before, numbers = state(), counts()
    fields = dict(IpcTechnologyField.objects.values_list("ipc_prefix", "pk"))
    output = load_all()
    assert state() == before
    assert counts() == numbers
    assert dict(IpcTechnologyField.objects.values_list("ipc_prefix", "pk")) == fields
    assert "0 new, 268 refreshed, 0 removed" in output
    assert "0 new, 282 refreshed, 0 removed" in output
    assert "0 new, 166 refreshed, 0 removed" in output


def test_a_changed_title_is_updated_in_place(loaded: str, tmp_path: Path) -> None:
    before = state()
    zh = edited(ZH, tmp_path / "zh.tsv", {"E01B3/32\t": "E01B3/32\tsubgroup\tE01B3/00\t新的标题"})
    en = edited(EN, tmp_path / "en.tsv", {"E01B0003320000\t": "E01B0003320000\tA new title"})
    load_all(zh=zh, en=en)
    after = state()
    assert after["E01B 3/32"] == (before["E01B 3/32"][0], "新的标题", "A new title")
    assert {k: v for k, v in after.items() if k != "E01B 3/32"} == {
        k: v for k, v in before.items() if k != "E01B 3/32"
    }


def test_a_symbol_no_longer_listed_loses_its_title_and_then_its_entry(loaded: str, tmp_path: Path) -> None:
    # E01B 3/34 is in both lists, H10K 50/00 only in the Chinese one
    zh = edited(ZH, tmp_path / "zh.tsv", {"E01B3/34\t": None, "H10K50/00\t": None})
    output = load("--ipc-zh", str(zh))
    assert "266 read" in output and "2 removed" in output
    kept = IpcEntry.objects.get(code="E01B 3/34")
    assert (kept.title_zh, kept.in_zh, kept.in_en) == ("", False, True)
    assert kept.title_en.startswith("with pre-tensioned armouring")
    assert not IpcEntry.objects.filter(code="H10K 50/00").exists()
    assert counts()[:3] == (289, 266, 282)
    load_all()  # listed again: back as before
    assert counts() == (290, 268, 282, 20, 166)
    assert IpcEntry.objects.get(code="E01B 3/34").title_zh.startswith("带有预应力的")


def test_compressed_files_in_the_default_places_are_found(db: None, tmp_path: Path) -> None:
    (tmp_path / "ipc_scheme_zh_cnipa2026").mkdir()
    (tmp_path / "ipc_scheme_en_wipo").mkdir()
    (tmp_path / "ipc_wipo35_technology_fields").mkdir()
    with gzip.open(tmp_path / "ipc_scheme_zh_cnipa2026" / "ipc_zh_flat.tsv.gz", "wb") as handle:
        handle.write(ZH.read_bytes())
    with lzma.open(tmp_path / "ipc_scheme_en_wipo" / "all_ipc.csv.xz", "wb") as handle:
        handle.write(EN.read_bytes())
    shutil.copy(WIPO35, tmp_path / "ipc_wipo35_technology_fields" / "ipc_technology.csv")
    load("--data-dir", str(tmp_path))
    assert counts() == (290, 268, 282, 20, 166)


def test_a_missing_default_file_is_skipped_with_a_warning(db: None, tmp_path: Path) -> None:
    (tmp_path / "ipc_wipo35_technology_fields").mkdir()
    shutil.copy(WIPO35, tmp_path / "ipc_wipo35_technology_fields" / "ipc_technology.csv")
    out, err = io.StringIO(), io.StringIO()
    call_command("load_reference", "--data-dir", str(tmp_path), stdout=out, stderr=err)
    assert (
        f"Chinese IPC titles: {tmp_path}/ipc_scheme_zh_cnipa2026/ipc_zh_flat.tsv.gz is missing; skipped."
        in err.getvalue()
    )
    assert (
        f"English IPC titles: {tmp_path}/ipc_scheme_en_wipo/all_ipc.csv.xz is missing; skipped."
        in err.getvalue()
    )
    assert "WIPO 35 technology fields: 166 read" in out.getvalue()
    assert counts() == (0, 0, 0, 20, 166)


def test_nothing_to_load_is_exit_status_2(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("load_reference", "--data-dir", str(tmp_path), stderr=io.StringIO())
    assert caught.value.returncode == 2
    assert f"Nothing to load: none of the reference files was found under {tmp_path}" in str(caught.value)


def test_a_missing_file_given_by_path_loads_nothing(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        load("--ipc-zh", str(ZH), "--ipc-en", str(tmp_path / "nowhere.tsv"), "--wipo35", str(WIPO35))
    assert caught.value.returncode == 2
    assert (
        str(caught.value)
        == f"English IPC titles: {tmp_path}/nowhere.tsv does not exist or is not a file; nothing was loaded."
    )
    assert counts() == (0, 0, 0, 0, 0)


def test_the_exit_status_reaches_the_shell(tmp_path: Path) -> None:
    env = {**os.environ, "IPOPS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DATABASE_URL", None)  # the command fails before it opens the database
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "load_reference", "--ipc-zh", str(tmp_path / "nowhere.tsv.gz")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert f"Chinese IPC titles: {tmp_path}/nowhere.tsv.gz does not exist" in done.stderr


BAD_LINES = [
    # (file, line number, bad line, what the message says)
    ("zh", 40, "E01B3/34\tsubgroup\tE01B3/00", "3 tab-separated columns, 4 expected"),
    (
        "zh",
        40,
        "E01B3/34\tmain_group\tE01B3/00\t标题",
        "level 'main_group' does not fit E01B 3/34 (subgroup)",
    ),
    ("zh", 40, "E01B3/34\tsubgroup\tE01B5/00\t标题", "parent 'E01B5/00' is not the parent of E01B 3/34"),
    ("zh", 40, "X01B3/34\tsubgroup\tE01B3/00\t标题", "'X01B3/34' is not an IPC symbol (section)"),
    ("zh", 41, "E01B3/32\tsubgroup\tE01B3/00\t又一次", "E01B 3/32 was already given on line 39"),
    ("en", 50, "no tab here", "expected an IPC symbol, a tab and its title"),
    ("en", 50, "E01B00033\tbroken", "'E01B00033' is not an IPC symbol (format)"),
    ("en", 50, "E01B0003320000\tagain", "E01B 3/32 was already given on line 45"),
    ("wipo35", 20, "36,Other fields,x,x,Other,x,x,E01B%,,", "field number 36 is not one of WIPO's 35 fields"),
    ("wipo35", 20, "35,Other fields,x,x,Civil engineering,x,x,E01B3/32,,", "'E01B3/32' is not an IPC prefix"),
    (
        "wipo35",
        20,
        "35,Other fields,x,x,Civil works,x,x,E01B%,,",
        "field 35 is 'Civil works' in sector 'Other fields' here",
    ),
    (
        "wipo35",
        20,
        "35,Other fields,x,x,Civil engineering,x,x,F21S%,,",
        "F21S is already given to field 1 on line 2",
    ),
    ("wipo35", 20, "35,Other fields", "wrong number of columns"),
]


@pytest.mark.parametrize(("which", "number", "bad", "message"), BAD_LINES)
def test_a_malformed_line_is_reported_with_its_number_and_changes_nothing(
    loaded: str, tmp_path: Path, which: str, number: int, bad: str, message: str
) -> None:
    before, numbers, audited = state(), counts(), AuditEntry.objects.count()
    # the title files also carry a change, which must not survive the failed load
    files = {
        "zh": edited(ZH, tmp_path / "zh.tsv", {"E01B3/32\t": "E01B3/32\tsubgroup\tE01B3/00\t改了"}),
        "en": edited(EN, tmp_path / "en.tsv", {"E01B0003320000\t": "E01B0003320000\tchanged"}),
        "wipo35": WIPO35,
    }
    files[which] = edited(files[which], tmp_path / f"bad-{which}", insert=(number, bad))
    with pytest.raises(CommandError) as caught:
        load_all(zh=files["zh"], en=files["en"], wipo35=files["wipo35"])
    assert caught.value.returncode == 1
    assert str(caught.value).startswith(f"{files[which]}, line {number}: {message}")
    assert str(caught.value).endswith("Nothing was changed.")
    assert state() == before
    assert counts() == numbers
    assert AuditEntry.objects.count() == audited


def test_a_damaged_compressed_file_is_reported(loaded: str, tmp_path: Path) -> None:
    broken = tmp_path / "ipc_zh_flat.tsv.gz"
    broken.write_bytes(gzip.compress(ZH.read_bytes())[:-200])
    with pytest.raises(CommandError) as caught:
        load("--ipc-zh", str(broken))
    assert caught.value.returncode == 1
    assert str(caught.value).startswith(f"{broken}: cannot read the file")
    assert counts() == (290, 268, 282, 20, 166)


def test_a_file_that_is_not_the_expected_table_is_refused(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        load("--ipc-zh", str(EN))
    assert str(caught.value).startswith(
        f"{EN}, line 1: the header must name the columns code, level, title_zh"
    )
    with pytest.raises(CommandError) as caught:
        load("--wipo35", str(ZH))
    assert f"{ZH}, line 1: the header must name the columns" in str(caught.value)
    assert counts() == (0, 0, 0, 0, 0)
