"""IPC suggestion: the model on real titles, training from the database (command and job), the command line,
configuration and the service's permission check. Real samples in tests/fixtures/ipc_suggest/."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from ipops.core.jobs import HANDLERS, execute_job
from ipops.core.models import AuditEntry, Job
from ipops.patents.models import Classification, Dataset, Patent
from ipops.search.ipc_suggest import services, store
from ipops.search.ipc_suggest.config import DEFAULTS, load_params
from ipops.search.ipc_suggest.model import (
    IpcSuggester,
    Params,
    _ridge_solve,
    _ridge_solve_loo,
    decide,
    document_text,
    micro_f1,
    scheme_text,
)
from ipops.search.ipc_suggest.training import TRAIN_JOB_KIND, start_training
from tests.search.ipc_quick import QUICK_RERANK

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ipc_suggest"


def lx_rows() -> list[dict[str, str]]:
    with open(FIXTURES / "lxingy3_sample.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def agri_rows() -> list[dict[str, Any]]:
    with open(FIXTURES / "a01_agri_sample.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def subclasses(row: dict[str, str]) -> list[str]:
    return row["true_subclasses_all"].split("|")


def set_f1(predicted: list[set[str]], truth: list[set[str]]) -> float:
    tp = sum(len(p & t) for p, t in zip(predicted, truth, strict=True))
    wrong = sum(len(p - t) + len(t - p) for p, t in zip(predicted, truth, strict=True))
    return 2 * tp / (2 * tp + wrong)


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The messages asserted below are the English ones (Chinese is the default language)."""
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def fitted() -> IpcSuggester:
    """Trained on folds 1–2 of the sample, with the shipped defaults (USE neighbours included)."""
    rows = [r for r in lx_rows() if r["fold"] != "3"]
    params = Params.from_dict(json.loads(DEFAULTS.read_text(encoding="utf-8")))
    return IpcSuggester(params=params).fit(
        [document_text(r["patent_title"], params=params) for r in rows], [subclasses(r) for r in rows]
    )


@pytest.fixture
def model_dir(tmp_path: Path, settings: Any) -> Path:
    settings.IPOPS_IPC_SUGGEST_DIR = tmp_path / "ipc_suggest"
    return settings.IPOPS_IPC_SUGGEST_DIR


@pytest.fixture
def quick_training(tmp_path: Path, settings: Any) -> Path:
    """Training from the database reads QUICK_RERANK as the region's configuration."""
    override = tmp_path / "ipc_quick.json"
    override.write_text(json.dumps(QUICK_RERANK))
    settings.IPOPS_IPC_SUGGEST_CONFIG = str(override)
    return override


@pytest.fixture
def saved(model_dir: Path, fitted: IpcSuggester) -> IpcSuggester:
    store.save(
        fitted, {"trained_at": "2026-11-25T18:00:00+00:00", "patents": 999, "subclasses": len(fitted.labels)}
    )
    return fitted


# --- the model --------------------------------------------------------------------------------------------


def test_suggestions_on_held_out_titles_beat_the_most_frequent_subclass(fitted: IpcSuggester) -> None:
    held = [r for r in lx_rows() if r["fold"] != "3"]
    queries = [r for r in lx_rows() if r["fold"] == "3"]
    truth = [set(subclasses(r)) for r in queries]
    rows = fitted.suggest([r["patent_title"] for r in queries])
    ours = [{code for code, _c, picked in row if picked} for row in rows]
    most_common = Counter(c for r in held for c in subclasses(r)).most_common(1)[0][0]
    trivial = [{most_common} for _ in queries]
    assert set_f1(ours, truth) > set_f1(trivial, truth) + 0.2
    top1 = [row[0][0] for row in rows]
    assert np.mean([t in s for t, s in zip(top1, truth, strict=True)]) > 0.5


def test_every_text_gets_a_bounded_ordered_set_with_confidences(fitted: IpcSuggester) -> None:
    texts = ["一种基于深度学习的图像识别方法", "A lithium battery pack with liquid cooling", "？？？"]
    for row in fitted.suggest(texts):
        confidences = [c for _code, c, _p in row]
        picked = [code for code, _c, p in row if p]
        assert 1 <= len(picked) <= fitted.params.max_labels
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert row[0][2]  # the best subclass is always suggested
        assert all(code in fitted.labels for code, _c, _p in row)


def test_threshold_is_chosen_by_cross_validation_of_the_reranker(fitted: IpcSuggester) -> None:
    report = fitted.report
    assert report["cv_folds"] == 3
    assert report["reranked_candidates"] == fitted.params.rerank_candidates
    by_threshold = {float(t): f for t, f in report["cv_f1_by_threshold"].items()}
    assert fitted.threshold in by_threshold
    assert by_threshold[fitted.threshold] == max(by_threshold.values())
    # the confidence is the re-ranker's: only a text's candidates have one, and it orders the suggestions
    confidence = fitted.confidences(["一种基于深度学习的图像识别方法"])[0]
    assert 0 < int((confidence > 0).sum()) <= fitted.params.rerank_candidates


def test_one_stage_model_is_still_available(fitted: IpcSuggester) -> None:
    """``rerank: false`` keeps the calibrated kernel-ridge scores (Platt scaling, threshold by CV)."""
    rows = [r for r in lx_rows() if r["fold"] != "3"][:200]
    params = dataclasses.replace(fitted.params, rerank=False)
    model = IpcSuggester(params=params).fit(
        [document_text(r["patent_title"], params=params) for r in rows], [subclasses(r) for r in rows]
    )
    assert model.reranker is None and model.calibration[0] > 0 and model.report["cv_folds"] == 3
    confidence = model.confidences(["一种基于深度学习的图像识别方法"])[0]
    assert (confidence > 0).all()  # a sigmoid of every score, not candidates only


def test_leave_one_out_scores_equal_refitting_without_the_patent() -> None:
    """The re-ranker learns from exact leave-one-out scores: for three rows, the closed form equals the
    scores of a model solved again without that row."""
    rng = np.random.default_rng(5)
    points = rng.normal(size=(40, 6)).astype(np.float32)
    kernel = np.exp(-0.1 * ((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)).astype(np.float32)
    targets = (rng.random((40, 3)) < 0.3).astype(np.float32)
    weights = np.ones(40, dtype=np.float32)
    weights[30:] = 0.5  # the last ten rows stand for scheme titles
    _dual, loo = _ridge_solve_loo(kernel, targets, 1.0, weights, 30)
    for i in (0, 7, 29):
        keep = np.delete(np.arange(40), i)
        dual = _ridge_solve(kernel[np.ix_(keep, keep)].copy(), targets[keep], 1.0, weights[keep])
        np.testing.assert_allclose(loo[i], kernel[i, keep] @ dual, atol=2e-4)


def test_sample_limits_keep_vectors_and_texts_together() -> None:
    """Above cv_max_patents / kernel_max_patents only a sample is cross-validated / learnt from; each kept
    USE vector still sits next to its own patent's TF-IDF row, and the scheme titles follow the patents."""
    from ipops.search.ipc_suggest.model import Embedder

    rows = lx_rows()[:160]
    texts = [r["patent_title"] for r in rows]
    params = Params(cv_folds=2, cv_max_patents=30, kernel_max_patents=40, **QUICK_RERANK)
    model = IpcSuggester(params=params).fit(
        texts, [subclasses(r) for r in rows], scheme=[(subclasses(rows[0])[0], "一种测试用的分类标题")]
    )
    assert model.report["cv_patents"] == 30 and model.report["kernel_patents"] == 40
    assert model.report["scheme_texts"] == 1
    fitted = model.fitted
    assert fitted is not None
    assert fitted.basis_vectors.shape == (41, 512) and fitted.basis_tfidf.shape[0] == 41
    assert fitted.dual.shape == (41, len(model.labels))
    every = Embedder.encode(texts)
    tfidf = fitted.vectorizer.transform(texts)
    for row, vector in enumerate(fitted.basis_vectors[:40].astype(np.float32)):
        own = int(np.argmax(every @ vector))
        assert abs(fitted.basis_tfidf[row] - tfidf[own]).sum() < 1e-4


def test_scheme_titles_teach_a_subclass_the_patents_rarely_show(fitted: IpcSuggester) -> None:
    """The IPC scheme's titles are learnt as extra texts: with B33Y's titles (one B33Y patent in the held
    sample) a text worded like them gets B33Y as its best subclass; a title of a subclass no held patent
    carries (A01K) is left out rather than made a new label."""
    rows = [r for r in lx_rows() if r["fold"] != "3"]
    scheme = [
        (
            "B33Y",
            "增材制造，即通过增材沉积、增材附聚或增材分层，例如通过3D打印、立体光刻或选择性激光烧结来制造三维(3D)物体",
        ),
        ("B33Y", "增材制造的过程"),
        ("B33Y", "增材制造设备；及其零件或附件"),
        ("B33Y", "适用于增材制造的材料"),
        ("A01K", "动物的房舍；所用设备"),
    ]
    params = fitted.params
    with_scheme = IpcSuggester(params=params).fit(
        [document_text(r["patent_title"], params=params) for r in rows], [subclasses(r) for r in rows], scheme
    )
    assert with_scheme.report["scheme_texts"] == 4 and "A01K" not in with_scheme.labels
    text = [document_text("一种用于增材制造的3D打印设备", params=params)]
    column = fitted.labels.index("B33Y")
    assert with_scheme.suggest(text)[0][0][0] == "B33Y"
    assert with_scheme.confidences(text)[0, column] > fitted.confidences(text)[0, column]


def test_scheme_titles_lose_their_references() -> None:
    assert scheme_text("家畜的饲喂装置（A01K 1/10优先；家禽的饲喂装置入A01K 39/00）") == "家畜的饲喂装置"
    assert scheme_text("动物的标记(家禽(或鸟)的标记入A01K35/00)；其他") == "动物的标记；其他"


def test_decide_keeps_threshold_cap_and_top1() -> None:
    conf = np.array([[0.9, 0.8, 0.7, 0.1], [0.05, 0.02, 0.01, 0.0]])
    assert decide(conf, 0.5, True, 2).tolist() == [[True, True, False, False], [True, False, False, False]]
    assert decide(conf, 0.5, False, 0).tolist() == [[True, True, True, False], [False, False, False, False]]
    assert micro_f1(np.array([[True, False]]), np.array([[True, True]])) == pytest.approx(2 / 3)


def test_abstracts_are_learnt_from_and_read() -> None:
    """Patents held with title + abstract (the agriculture sample): tagging from title + abstract is at
    least as right as from the title alone, and the model learnt from the abstracts' words."""
    rows = agri_rows()
    params = Params(cv_folds=2)
    held, queries = rows[:60], rows[60:]
    model = IpcSuggester(params=params).fit(
        [document_text(r["title"], r["abstract"], params) for r in held], [[r["ipc_subclass"]] for r in held]
    )
    truth = [r["ipc_subclass"] for r in queries]
    full = [
        row[0][0]
        for row in model.suggest([document_text(r["title"], r["abstract"], params) for r in queries])
    ]
    titles = [row[0][0] for row in model.suggest([r["title"] for r in queries])]
    most_common = Counter(r["ipc_subclass"] for r in held).most_common(1)[0][0]
    accuracy = np.mean([a == b for a, b in zip(full, truth, strict=True)])
    assert accuracy >= np.mean([a == b for a, b in zip(titles, truth, strict=True)])
    assert accuracy > np.mean([most_common == b for b in truth])


def test_a_saved_model_loads_back_identical(saved: IpcSuggester) -> None:
    model, meta = store.load()
    text = ["一种光伏组件的清洗机器人"]
    assert model.suggest(text) == saved.suggest(text)
    assert meta["patents"] == 999 and meta["sha256"]
    assert store.load()[0] is model  # cached until the files change


def test_a_torn_or_foreign_model_file_counts_as_missing(saved: IpcSuggester, model_dir: Path) -> None:
    (model_dir / store.MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(store.ModelMissingError):
        store.load()
    with pytest.raises(services.ModelNotTrainedError, match="train_ipc_suggester"):
        services.suggest_many(["一种装置"])


# --- training from the database ----------------------------------------------------------------------------


def import_sample(
    rows: list[dict[str, str]], *, synthetic: bool = False, unclassified: int = 0
) -> list[Patent]:
    """The sample's patents as the importer leaves them: a Patent with its IPC classifications."""
    dataset, _ = Dataset.objects.get_or_create(
        name="synthetic" if synthetic else "lxingy3 sample", defaults={"synthetic": synthetic}
    )
    patents = [
        Patent(
            id=uuid.uuid4(),
            pub_number=("SYN" if synthetic else "") + r["publication_numbers"],
            title=r["patent_title"],
            main_ipc=subclasses(r)[0],
            content_hash="x",
            dataset=dataset,
        )
        for r in rows
    ]
    patents += [
        Patent(
            id=uuid.uuid4(),
            pub_number=f"CN9{i:08d}A",
            title=f"未分类的专利{i}",
            content_hash="x",
            dataset=dataset,
        )
        for i in range(unclassified)
    ]
    Patent.objects.bulk_create(patents)
    Classification.objects.bulk_create(
        Classification(patent=p, code=code, subclass=code, is_main=i == 0, position=i)
        for p, r in zip(patents, rows, strict=False)
        for i, code in enumerate(subclasses(r))
    )
    return patents


@pytest.mark.django_db
def test_train_command_learns_from_the_classified_real_patents_only(
    model_dir: Path, quick_training: Path, settings: Any
) -> None:
    from ipops.reference.models import IpcEntry

    rows = lx_rows()
    import_sample(rows[:150], unclassified=5)
    import_sample(rows[150:200], synthetic=True)
    # the IPC scheme as reference data: the configured levels' titles are learnt from, others are not
    held = sorted({c for r in rows[:150] for c in subclasses(r)})
    IpcEntry.objects.create(code=held[0], kind="subclass", title_zh="第一个小类的标题", title_en="first")
    IpcEntry.objects.create(code=f"{held[0]} 1/00", kind="main_group", title_zh="一个大组的标题")
    IpcEntry.objects.create(code=f"{held[0]} 1/02", kind="subgroup", title_zh="一个小组的标题")
    IpcEntry.objects.create(code=f"{held[-1]} 3/00", kind="main_group", title_zh="", title_en="no zh")
    out = io.StringIO()
    call_command("train_ipc_suggester", "--quiet-progress", stdout=out)
    meta = store.read_meta()
    assert meta is not None and meta["patents"] == 150  # not the 5 unclassified, not the 50 synthetic
    assert meta["scheme_texts"] == 2  # the subclass and the main group with a Chinese title
    assert meta["subclasses"] == len({c for r in rows[:150] for c in subclasses(r)})
    assert "trained on 150 patents" in out.getvalue()
    assert (model_dir / store.MODEL_FILE).exists()

    # it learns from whatever the platform holds: more patents, retrain, the model knows them
    import_sample(rows[200:300])
    call_command("train_ipc_suggester", "--quiet-progress", stdout=io.StringIO())
    meta = store.read_meta()
    assert meta is not None and meta["patents"] == 250
    assert store.load()[0].labels == sorted({c for r in rows[:150] + rows[200:300] for c in subclasses(r)})

    # the region may count synthetic patents in (configuration, not code)
    assert store.load()[0].params.rerank_max_iter == QUICK_RERANK["rerank_max_iter"]
    quick_training.write_text(json.dumps(QUICK_RERANK | {"include_synthetic": True}))
    call_command("train_ipc_suggester", "--quiet-progress", stdout=io.StringIO())
    assert store.read_meta()["patents"] == 300  # type: ignore[index]


@pytest.mark.django_db
def test_training_with_nothing_classified_says_what_to_do(model_dir: Path) -> None:
    with pytest.raises(CommandError, match="import"):
        call_command("train_ipc_suggester", "--quiet-progress", stdout=io.StringIO())
    assert store.read_meta() is None


def test_training_job_runs_read_only_with_progress(
    region: dict[str, Any], model_dir: Path, quick_training: Path
) -> None:
    import_sample(lx_rows()[:120])
    assert HANDLERS[TRAIN_JOB_KIND].writes is False
    before = AuditEntry.objects.count()
    job = start_training(actor=region["operator"], enqueue=False)
    assert AuditEntry.objects.count() == before + 1  # job.start

    job = execute_job(str(job.pk))

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.total > 0 and job.done == job.total
    assert job.result["patents"] == 120
    assert store.read_meta()["patents"] == 120  # type: ignore[index]


@pytest.mark.parametrize("username", ["ent_user", "ent_admin", "pending_admin", "auditor", None])
def test_only_operators_may_start_training(
    region: dict[str, Any], username: str | None, model_dir: Path
) -> None:
    from django.contrib.auth.models import AnonymousUser

    actor = region[username] if username else AnonymousUser()
    jobs, audits = Job.objects.count(), AuditEntry.objects.exclude(action="auth.denied").count()
    with pytest.raises(PermissionDenied):
        start_training(actor=actor, enqueue=False)
    assert Job.objects.count() == jobs
    assert AuditEntry.objects.exclude(action="auth.denied").count() == audits


@pytest.mark.parametrize("username", ["pending_admin", None])
def test_suggest_service_refuses_non_members(
    region: dict[str, Any], username: str | None, saved: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    actor = region[username] if username else AnonymousUser()
    with pytest.raises(PermissionDenied):
        services.suggest(actor=actor, text="一种锂电池")


def test_suggest_service_gives_titles_and_industries(region: dict[str, Any], saved: IpcSuggester) -> None:
    from ipops.reference.models import IpcEntry, IpcTechnologyField, TechnologyField

    text = "一种基于区块链的数据安全共享方法"
    picked = [code for code, _c, p in saved.suggest([text])[0] if p]
    for code in saved.labels:
        IpcEntry.objects.create(
            code=code, kind="subclass", title_zh=f"{code}的中文标题", title_en=f"{code} title"
        )
    field = TechnologyField.objects.create(
        number=6,
        sector_en="Electrical",
        sector_zh="电气",
        name_en="Computer technology",
        name_zh="计算机技术",
    )
    IpcTechnologyField.objects.create(ipc_prefix=picked[0], field=field)
    call_command("load_industries", stdout=io.StringIO())

    result = services.suggest(actor=region["ent_user"], text=text, language="en")

    assert [s.code for s in result.suggested] == picked
    assert all(s.title == f"{s.code} title" for s in result.subclasses)
    assert [(f.code, f.name, f.subclasses[0]) for f in result.technology_fields] == [
        ("6", "Computer technology", picked[0])
    ]
    from ipops.reference.industries import industries_for_ipc

    expected = {ref.code for refs in industries_for_ipc(picked, scheme="plan_key").values() for ref in refs}
    assert {i.code for i in result.industries} == expected
    assert result.model["patents"] == 999


# --- the command line ---------------------------------------------------------------------------------------


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("suggest_ipc", *args, stdout=out)
    return out.getvalue().splitlines()


def test_suggest_ipc_json_is_the_suggested_set(saved: IpcSuggester) -> None:
    text = "一种用于污水处理的膜过滤装置"
    (line,) = run(text, "--json")
    payload = json.loads(line)
    expected = [(code, round(c, 4)) for code, c, p in saved.suggest([text])[0] if p]
    assert payload["id"] is None
    assert [(s["code"], s["confidence"]) for s in payload["subclasses"]] == expected

    lines = run(text)
    assert lines[-1] == "(* = suggested)"
    assert [line.split()[1] for line in lines if line.startswith("*")] == [c for c, _ in expected]


def test_suggest_ipc_reads_a_csv_and_prints_a_line_per_row(saved: IpcSuggester, tmp_path: Path) -> None:
    rows = lx_rows()[:5]
    path = tmp_path / "texts.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows([[r["publication_numbers"], r["patent_title"]] for r in rows])
    lines = [json.loads(line) for line in run("--input", str(path))]
    assert [line["id"] for line in lines] == [r["publication_numbers"] for r in rows]
    for line, r in zip(lines, rows, strict=True):
        expected = [code for code, _c, p in saved.suggest([r["patent_title"]])[0] if p]
        assert [s["code"] for s in line["subclasses"]] == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,body\n1,x\n", "columns id,text"),
        (b"", "columns id,text"),
        (b"id,text\n1,\xd6\xd0\xce\xc4\n", "not UTF-8"),
        ("id,text\n1,一种装置\n2,  \n".encode(), "empty on line(s) 3"),
        (("id,text\n1," + "长" * 30000 + "\n").encode(), "at most"),
    ],
)
def test_suggest_ipc_bad_csv_gives_a_clear_error(
    saved: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("--input", str(path))


def test_suggest_ipc_argument_errors(saved: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="empty"):
        run("   ")
    with pytest.raises(CommandError, match="only punctuation"):
        run("？？？ …… !!")
    with pytest.raises(CommandError, match="Give the text"):
        run()
    with pytest.raises(CommandError, match="No such file"):
        run("--input", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="not both"):
        run("一种装置", "--input", str(tmp_path / "x.csv"))


def test_suggest_ipc_without_a_model_says_how_to_train(model_dir: Path) -> None:
    with pytest.raises(CommandError, match="train_ipc_suggester"):
        run("一种装置")


def test_limits_are_configuration(saved: IpcSuggester, settings: Any, tmp_path: Path) -> None:
    """Limits a region changes live in a JSON override; defaults stay in the bundled data file."""
    override = tmp_path / "ipc.json"
    override.write_text(json.dumps({"max_text_chars": 10}))
    settings.IPOPS_IPC_SUGGEST_CONFIG = str(override)
    assert load_params().max_text_chars == 10 and load_params().max_labels == Params().max_labels
    with pytest.raises(services.SuggestInputError, match="at most 10"):
        services.suggest_many(["一种用于污水处理的膜过滤装置"])
