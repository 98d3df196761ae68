"""Expand the real CNIPA export sample into N realistic rows with new, valid numbers (SYNTHETIC data).

Titles, abstracts, claims, applicants, addresses, agencies and IPC sets are re-sampled independently from the
199 real rows, so field lengths and value distributions stay realistic; application and publication numbers
are new and carry correct check digits. Every row says it is synthetic in an extra column.

    python bench/cnipa_synth.py N OUT.csv [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "cnipa" / "cnipa_export_199.csv"
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
RESAMPLED = (
    "名称",
    "摘要",
    "主权项",
    "申请（专利权）人",
    "发明（设计）人",
    "地址",
    "专利代理机构",
    "代理人",
    "分类号",
)


def check_digit(body: str) -> str:
    value = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11
    return "X" if value == 10 else str(value)


def generate(n: int, out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    with SAMPLE.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    col = {name: i for i, name in enumerate(header)}
    pools = {name: [r[col[name]] for r in rows] for name in RESAMPLED}
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "数据来源"])
        for i in range(n):
            template = rows[rng.randrange(len(rows))]
            row = list(template)
            for name in RESAMPLED:
                row[col[name]] = rng.choice(pools[name])
            ipc = row[col["分类号"]]
            row[col["主分类号"]] = ipc.split(";")[0]
            year = 2010 + i % 14
            kind, type_digit, pub_prefix = ("U", "2", "2") if i % 3 else ("A", "1", "1")
            body = f"{year}{type_digit}{i % 10_000_000:07d}"
            row[col["申请号"]] = f"CN{body}.{check_digit(body)}"
            row[col["专利号"]] = row[col["申请号"]]
            row[col["公开（公告）号"]] = f"CN{pub_prefix}{i % 100_000_000:08d}{kind}"
            row[col["申请日"]] = f"{year}.{1 + i % 12:02d}.{1 + i % 28:02d}"
            row[col["公开（公告）日"]] = f"{year + 1}.{1 + i % 12:02d}.{1 + i % 28:02d}"
            writer.writerow([*row, "合成数据（synthetic）"])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    generate(args.n, args.out, args.seed)


if __name__ == "__main__":
    main(sys.argv[1:])
