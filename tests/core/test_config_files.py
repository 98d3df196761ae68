"""Configuration data files: one reader for every module (bad files named in the error, overrides merged
key by key)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ipops.core.config_files import load_with_override, merged, read_json_object, without_comments


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_override_merges_nested_objects_and_leaves_the_defaults_alone(tmp_path: Path) -> None:
    defaults = {"_doc": "d", "weights": {"a": 0.5, "b": 0.5}, "cutoffs": [1, 2], "top": 10}
    default = write(tmp_path / "defaults.json", defaults)
    override = write(tmp_path / "region.json", {"weights": {"a": 0.7}, "cutoffs": [3]})

    loaded = load_with_override(default, override, what="Test configuration")

    assert loaded == {"_doc": "d", "weights": {"a": 0.7, "b": 0.5}, "cutoffs": [3], "top": 10}
    assert json.loads(default.read_text()) == defaults
    assert load_with_override(default, None, what="Test configuration") == defaults
    assert without_comments(loaded) == {"weights": {"a": 0.7, "b": 0.5}, "cutoffs": [3], "top": 10}


def test_merged_copies_so_that_later_changes_do_not_leak() -> None:
    base = {"nested": {"x": [1]}}
    override = {"other": {"y": [2]}}
    result = merged(base, override)
    result["nested"]["x"].append(9)
    result["other"]["y"].append(9)
    assert base == {"nested": {"x": [1]}}
    assert override == {"other": {"y": [2]}}


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "cannot be read"), ("[1, 2]", "must hold a JSON object")],
)
def test_a_bad_file_is_named_in_the_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=message) as raised:
        read_json_object(path, what="Navigation configuration")
    assert str(path) in str(raised.value)
    assert str(raised.value).startswith("Navigation configuration")


def test_a_missing_override_file_is_an_error_not_silently_ignored(tmp_path: Path) -> None:
    default = write(tmp_path / "defaults.json", {"a": 1})
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        load_with_override(default, tmp_path / "missing.json", what="Analytics configuration")
