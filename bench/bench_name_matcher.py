"""Benchmark of the applicant-name matcher (`ipops.patents.normalize.names`).

English: pairwise precision / recall / F1 of "same name_key ⇒ same entity" on the PatentsView assignee gold
standards (../shared/data/us_patentsview_disambiguation_benchmarks/assignee, GPL-3.0 data, read in place),
against two baselines measured in the same run: exact equality of the raw strings, and lower-case +
whitespace-collapsed strings. Pairs are counted from the contingency table of (gold cluster, key) — never
enumerated — so only pairs inside one key block (predicted) or one gold cluster (true) count:

    TP = Σ_ij C(n_ij, 2)    P = TP / Σ_j C(n_.j, 2)    R = TP / Σ_i C(n_i., 2)

at two levels: *mentions* (every patent's assignee line; the usual PatentsView-Evaluation pairwise metric,
dominated by a few huge clusters such as IBM) and *distinct names* (each distinct raw string once per gold
cluster: the view of an operator who merges names, not patents).

Chinese: there is no gold standard. The CNIPA export sample and one full gazette day are split into
applicants and the script reports how many distinct raw names collapse to how many keys, a sample of
the merges for hand inspection, the applicant-type distribution, and a sample of type assignments to check
by hand (the hand labels live in tests/fixtures/names/cn_applicant_types.tsv; accuracy is computed here).

    .venv/bin/python bench/bench_name_matcher.py [--data ../shared/data] [--seed 20260601]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import lzma
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ipops.patents.normalize.names import (  # noqa: E402
    ApplicantType,
    applicant_type,
    clean_name,
    explain_match,
    name_key,
    split_applicants,
)

ASSIGNEE_FILES = ("nber-subset-assignees-benchmark.csv.gz", "air-umass-assignees-benchmark.csv.gz")
HANDCHECK = ROOT / "tests" / "fixtures" / "names" / "cn_applicant_types.tsv"


def exact(raw: str) -> str:
    return raw


def lower_ws(raw: str) -> str:
    return " ".join(raw.lower().split())


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(items: Iterable[tuple[str, str]], key: Callable[[str], str]) -> dict[str, float]:
    """Pairwise P/R/F1 of `key` against gold clusters; `items` are (gold cluster id, raw name) units."""
    cell: Counter[tuple[str, str]] = Counter()
    gold: Counter[str] = Counter()
    pred: Counter[str] = Counter()
    cache: dict[str, str] = {}
    for cluster, raw in items:
        k = cache.get(raw)
        if k is None:
            k = cache[raw] = key(raw)
        cell[cluster, k] += 1
        gold[cluster] += 1
        pred[k] += 1
    tp = sum(pairs(n) for n in cell.values())
    pp = sum(pairs(n) for n in pred.values())
    gp = sum(pairs(n) for n in gold.values())
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"P": p, "R": r, "F1": f1, "tp": tp, "pred_pairs": pp, "gold_pairs": gp, "keys": len(pred)}


def load_assignees(path: Path) -> list[tuple[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return [(row["unique_id"], row["organization"]) for row in csv.DictReader(fh)]


def names_per_second(fn: Callable[[str], object], names: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for name in names:
            fn(name)
        best = min(best, time.perf_counter() - start)
    return len(names) / best


def fmt(m: dict[str, float]) -> str:
    return f"P={m['P']:.4f} R={m['R']:.4f} F1={m['F1']:.4f} (keys={m['keys']:,}, predicted pairs={m['pred_pairs']:,})"


def ablation(data: Path) -> None:
    """Distinct-name P/R/F1 with one rule of the Latin key switched off at a time (patches private names)."""
    import ipops.patents.normalize.names as mod

    folder = data / "us_patentsview_disambiguation_benchmarks" / "assignee"
    sets = {f.split("-")[0]: sorted(set(load_assignees(folder / f))) for f in ASSIGNEE_FILES}
    steps = mod._LATIN_STEPS
    variants: list[tuple[str, dict[str, object]]] = [
        ("full key", {}),
        (
            "- legal suffixes",
            {"_LEGAL_SUFFIXES": frozenset(), "_TYPO_TOLERANT_SUFFIXES": (), "_LEADING_LEGAL": ()},
        ),
        ("- misspelt suffixes", {"_TYPO_TOLERANT_SUFFIXES": ()}),
        ("- abbreviations", {"_LATIN_STEPS": tuple(x for x in steps if x is not mod._step_abbreviations)}),
        ("- governing body", {"_LATIN_STEPS": tuple(x for x in steps if x is not mod._step_governing_body)}),
        ("- word joining", {"_LATIN_STEPS": tuple(x for x in steps if x is not mod._step_join)}),
        ("- leading The", {"_LATIN_STEPS": tuple(x for x in steps if x is not mod._step_leading_the)}),
    ]
    print("\n## ablation (distinct names; one rule off at a time)")
    for label, patch in variants:
        saved = {name: getattr(mod, name) for name in patch}
        for name, value in patch.items():
            setattr(mod, name, value)
        try:
            cells = []
            for short, items in sets.items():
                m = pairwise(items, mod.name_key)
                cells.append(f"{short}: P={m['P']:.4f} R={m['R']:.4f} F1={m['F1']:.4f}")
            print(f"  {label:<20} " + " | ".join(cells))
        finally:
            for name, value in saved.items():
                setattr(mod, name, value)


def english(data: Path, worst: int) -> None:
    folder = data / "us_patentsview_disambiguation_benchmarks" / "assignee"
    all_names: set[str] = set()
    for filename in ASSIGNEE_FILES:
        rows = load_assignees(folder / filename)
        distinct = sorted(set(rows))
        all_names.update(raw for _, raw in rows)
        print(
            f"\n## {filename}: {len(rows):,} mentions, {len({c for c, _ in rows}):,} gold entities, "
            f"{len({r for _, r in rows}):,} distinct raw names"
        )
        for level, items in (("mentions", rows), ("distinct names", distinct)):
            print(f"  [{level}]")
            results = {}
            for label, fn in (("exact raw", exact), ("lower+ws", lower_ws), ("name_key", name_key)):
                results[label] = pairwise(items, fn)
                print(f"    {label:<10} {fmt(results[label])}")
            ours, base = results["name_key"], results["lower+ws"]
            print(
                f"    name_key vs lower+ws: recall ×{ours['R'] / base['R']:.2f} ({ours['R'] - base['R']:+.4f}), "
                f"precision {ours['P'] - base['P']:+.4f}, F1 {ours['F1'] - base['F1']:+.4f}; "
                f"vs exact: F1 {ours['F1'] - results['exact raw']['F1']:+.4f}"
            )
        if worst:
            # The largest false merges (distinct-name level): keys that span several gold clusters.
            by_key: dict[str, Counter[str]] = defaultdict(Counter)
            examples: dict[tuple[str, str], str] = {}
            for cluster, raw in distinct:
                k = name_key(raw)
                by_key[k][cluster] += 1
                examples.setdefault((k, cluster), raw)
            bad = sorted(
                ((k, c) for k, c in by_key.items() if len(c) > 1),
                key=lambda kc: -(sum(kc[1].values()) ** 2 - sum(v * v for v in kc[1].values())),
            )
            fp = legal_only = 0
            for _, clusters in bad:
                members = list(clusters.items())
                for i, (ci, ni) in enumerate(members):
                    for cj, nj in members[i + 1 :]:
                        fp += ni * nj
                        legal_only += ni * nj if name_key(ci) == name_key(cj) else 0
            print(
                f"  false-merge pairs (distinct names): {fp:,}; {legal_only:,} ({legal_only / max(fp, 1):.0%}) of them "
                "join gold clusters whose own ids differ only in legal form/punctuation (GEN FOODS CORP / GEN FOODS INC)"
            )
            print(f"  keys spanning >1 gold cluster: {len(bad)}; largest {min(worst, len(bad))}:")
            for k, c in bad[:worst]:
                print(f"    {k!r}: " + " | ".join(f"{examples[k, cl]!r} [{cl}]" for cl in list(c)[:4]))
    names = sorted(all_names)
    print(f"\n## speed on {len(names):,} distinct English assignee strings (best of 3, one core, no cache)")
    for label, fn in (("name_key", name_key), ("clean_name", clean_name), ("applicant_type", applicant_type)):
        print(f"  {label:<15} {names_per_second(fn, names):>10,.0f} names/s")
    print(f"  {'lower+ws':<15} {names_per_second(lower_ws, names):>10,.0f} names/s (baseline)")
    split = [n for n in names if len(split_applicants(n)) != 1]
    print(
        f"  split_applicants over-splits {len(split)} of {len(names):,} single-assignee strings: {split[:8]}"
    )


def read_gazette(data: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted((data / "cn_gazette_20190709_foristkirito" / "original").glob("*.csv.xz")):
        with lzma.open(path) as fh:
            text = fh.read().decode("gb18030")
        rows.extend(r for r in csv.DictReader(io.StringIO(text)) if r.get("authorization_notice_id"))
    return rows


def read_export(data: Path) -> list[dict[str, str]]:
    path = data / "cn_cnipa_export_sample_carrotc" / "cnipa_export_199.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def chinese(data: Path, seed: int) -> None:
    rng = random.Random(seed)
    export = read_export(data)
    gazette = read_gazette(data)
    sources = {
        "cnipa_export_199 (申请（专利权）人)": [(r["申请（专利权）人"], r["地址"]) for r in export],
        "gazette 2019-07-09 (patentee)": [(r["patentee"], r["address"]) for r in gazette],
    }
    all_raw: Counter[str] = Counter()
    first_address: dict[str, str] = {}
    for label, records in sources.items():
        raws: Counter[str] = Counter()
        multi = 0
        for field, address in records:
            parts = split_applicants(field)
            multi += len(parts) > 1
            for part in parts:
                raws[part] += 1
                if len(parts) == 1:
                    first_address.setdefault(part, address)
        all_raw.update(raws)
        cleans = {clean_name(r) for r in raws}
        keys = {name_key(r) for r in raws}
        print(
            f"\n## {label}: {len(records):,} records ({multi:,} with several applicants), "
            f"{sum(raws.values()):,} applicant mentions"
        )
        print(
            f"  distinct raw names {len(raws):,} → distinct clean_name {len(cleans):,} → distinct keys {len(keys):,}"
        )

    names = sorted(all_raw)
    print(f"\n## speed on {len(names):,} distinct Chinese applicant strings (best of 3, one core, no cache)")
    for label, fn in (("name_key", name_key), ("clean_name", clean_name), ("applicant_type", applicant_type)):
        print(f"  {label:<15} {names_per_second(fn, names):>10,.0f} names/s")
    print(f"  {'lower+ws':<15} {names_per_second(lower_ws, names):>10,.0f} names/s (baseline)")

    raw_sets: list[set[str]] = [set(), set()]
    for i, records in enumerate(sources.values()):
        for field, _ in records:
            raw_sets[i].update(split_applicants(field))
    key_sets = [{name_key(r) for r in names} for names in raw_sets]
    print(
        f"\n## across the two sources (2013 export vs 2019 gazette): {len(raw_sets[0] & raw_sets[1])} applicants "
        f"in both by raw string, {len(key_sets[0] & key_sets[1])} by name_key"
    )

    groups: dict[str, list[str]] = defaultdict(list)
    for raw in sorted(all_raw):
        groups[name_key(raw)].append(raw)
    merges = {k: v for k, v in groups.items() if len(v) > 1}
    by_clean = {k: v for k, v in merges.items() if len({clean_name(r) for r in v}) > 1}
    print(
        f"\n## both sources together: {len(all_raw):,} distinct raw → {len({clean_name(r) for r in all_raw}):,} "
        f"clean → {len(groups):,} keys; {len(merges)} keys merge >1 raw name, {len(by_clean)} of them merge "
        f"names whose display forms differ"
    )
    reasons: Counter[str] = Counter()
    for members in merges.values():
        for note in explain_match(members[0], members[1]):
            reasons[re.sub(r"brackets ignored: .*", "brackets ignored", note)] += 1
    print(
        "  evidence over all merges (first two members): "
        + ", ".join(f"{r} ×{n}" for r, n in reasons.most_common())
    )
    checked = agree = 0
    for members in by_clean.values():
        addresses = {re.sub(r"\s", "", first_address[m])[:12] for m in members if m in first_address}
        if sum(m in first_address for m in members) > 1:
            checked += 1
            agree += len(addresses) == 1
    print(
        f"  address check of the merges whose display forms differ: {checked} have ≥2 single-applicant "
        f"addresses, {agree} of them agree on the first 12 address characters"
    )
    sample = sorted(rng.sample(sorted(merges), min(30, len(merges))), key=lambda k: k not in by_clean)
    print(f"  sample of {len(sample)} merges (of {len(merges)}) for hand inspection, raw strings as repr():")
    for k in sample:
        members = merges[k]
        print(f"    {' = '.join(map(repr, members))}   [{'; '.join(explain_match(members[0], members[1]))}]")

    types = Counter(applicant_type(r) for r in all_raw)
    total = sum(types.values())
    print(
        "\n## applicant types over distinct raw names: "
        + ", ".join(f"{t.value} {types[t]:,} ({types[t] / total:.1%})" for t in ApplicantType)
    )
    mention_types: Counter[ApplicantType] = Counter()
    for raw, n in all_raw.items():
        mention_types[applicant_type(raw)] += n
    mt = sum(mention_types.values())
    print(
        "   over applicant mentions: "
        + ", ".join(f"{t.value} {mention_types[t]:,} ({mention_types[t] / mt:.1%})" for t in ApplicantType)
    )

    # Inventors are people: how many does applicant_type call individual?
    inventors = Counter(p for r in gazette for p in split_applicants(r["designer"]))
    inv_types = Counter(applicant_type(p) for p in inventors)
    print(
        f"  inventor names of the gazette ({len(inventors):,} distinct) typed individual: "
        f"{inv_types[ApplicantType.INDIVIDUAL] / len(inventors):.1%}; others: "
        + ", ".join(f"{t.value} {n}" for t, n in inv_types.most_common() if t is not ApplicantType.INDIVIDUAL)
    )
    missed = [p for p in sorted(inventors) if applicant_type(p) is not ApplicantType.INDIVIDUAL]
    print(f"   e.g. {rng.sample(missed, min(15, len(missed)))}")

    with HANDCHECK.open(encoding="utf-8") as fh:
        labelled = list(csv.DictReader(fh, delimiter="\t"))
    print(f"\n## hand-checked types ({HANDCHECK.relative_to(ROOT)}, labels by a person)")
    for sample_name in ("random", "per-type"):
        rows = [r for r in labelled if r["sample"] == sample_name]
        ok = sum(applicant_type(r["name"]).value == r["type"] for r in rows)
        print(f"  {sample_name:<8} sample: {ok}/{len(rows)} = {ok / len(rows):.1%} correct")
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in labelled:
        if r["sample"] == "per-type":
            predicted = applicant_type(r["name"]).value
            per_type[predicted][0] += predicted == r["type"]
            per_type[predicted][1] += 1
    print(
        "  precision per assigned type (per-type sample): "
        + ", ".join(f"{t} {a}/{n}" for t, (a, n) in per_type.items())
    )
    wrong = [
        (r["name"], r["type"], applicant_type(r["name"]).value)
        for r in labelled
        if applicant_type(r["name"]).value != r["type"]
    ]
    print("  wrong (name, label, assigned): " + "; ".join(map(str, wrong)))


EXCERPT = ROOT / "tests" / "fixtures" / "names" / "patentsview_assignee_excerpt.csv"
# Gold clusters always in the excerpt: legal-form splits of the NBER standard (GEN FOODS CORP / INC / LTD),
# subsidiaries (MOTOROLA GMBH), a governing body (UNVIVERSITY OF CALIFORNIA), a large typo cluster.
EXCERPT_PINNED = (
    "GEN FOODS CORP",
    "GEN FOODS INC",
    "GEN FOODS LTD",
    "MOTOROLA GMBH",
    "NOTOROLA INC",
    "UNVIVERSITY OF CALIFORNIA",
    "UNIV OF CALIFORNIA",
    "NISSON MOTOR CO LTD",
    "AMERSHAM PHARMACIA BIOTECH AB",
    "AMERSHAM PHARMACIA BIOTECH INC",
)


def make_excerpt(data: Path, seed: int, size: int = 480) -> None:
    """Write the test fixture: ≤ `size` mentions, one per distinct raw name, from whole-ish gold clusters."""
    rows = load_assignees(data / "us_patentsview_disambiguation_benchmarks" / "assignee" / ASSIGNEE_FILES[0])
    first_mention: dict[tuple[str, str], str] = {}
    with gzip.open(
        data / "us_patentsview_disambiguation_benchmarks" / "assignee" / ASSIGNEE_FILES[0],
        "rt",
        encoding="utf-8",
    ) as fh:
        for row in csv.DictReader(fh):
            first_mention.setdefault((row["unique_id"], row["organization"]), row["mention_id"])
    names: dict[str, list[str]] = defaultdict(list)
    for cluster, raw in sorted(set(rows)):
        names[cluster].append(raw)
    rng = random.Random(seed)
    multi = sorted(c for c, v in names.items() if len(v) > 1 and c not in EXCERPT_PINNED)
    order = [c for c in EXCERPT_PINNED if c in names] + rng.sample(multi, len(multi))
    chosen: list[tuple[str, str, str]] = []
    for cluster in order:
        members = names[cluster]
        take = members if len(members) <= 8 else rng.sample(members, 8)
        if len(chosen) + len(take) > size:
            break
        chosen.extend((first_mention[cluster, raw], cluster, raw) for raw in sorted(take))
    EXCERPT.parent.mkdir(parents=True, exist_ok=True)
    with EXCERPT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["mention_id", "unique_id", "organization"])
        writer.writerows(chosen)
    print(f"wrote {len(chosen)} mentions of {len({c for _, c, _ in chosen})} gold clusters to {EXCERPT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument("--worst", type=int, default=12, help="list this many largest false merges")
    parser.add_argument("--only", choices=("en", "cn"), default=None)
    parser.add_argument(
        "--ablation", action="store_true", help="also switch Latin-key rules off one at a time"
    )
    parser.add_argument(
        "--make-fixture", action="store_true", help="(re)write the PatentsView test excerpt and stop"
    )
    args = parser.parse_args()
    if args.make_fixture:
        make_excerpt(args.data, args.seed)
        return
    if args.only in (None, "en"):
        english(args.data, args.worst)
        if args.ablation:
            ablation(args.data)
    if args.only in (None, "cn"):
        chinese(args.data, args.seed)


if __name__ == "__main__":
    main()
