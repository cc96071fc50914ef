"""Benchmark: ``kgsynth curate`` on a million generated-like questions and a 10k-item benchmark.

Generates ``--n`` questions from templates, names and numbers (mostly distinct), plants exact
duplicates, near duplicates (a word added or changed) and copies of benchmark items, and a
``--bench-items`` benchmark from other templates. The questions are written as a generate
run's ``qa`` shards (50k rows each); curate then streams them a batch at a time.

Legs, each in its own process (so peak memory is its own):

- ``full``: exact + MinHash LSH near duplicates + 13-gram benchmark overlap (the goal:
  >= 20k questions/s on this 2-core machine, memory bounded);
- ``dedup``: exact + near duplicates only; ``decontam``: benchmark overlap only;
- ``datasketch``: the reference: ``MinHash.update_batch`` per question and
  ``MinHashLSH`` query + insert, on the first ``--ref-n`` questions.

Printed per leg: rows per wall second and per CPU second (the machine is shared: CPU time
is the figure that does not depend on other jobs), peak RSS, index bytes, and the rows it
removed per reason, split by what the row was planted as (original, exact copy, near copy,
benchmark copy). An "original" removed as a near duplicate is a template question that
drew the same numbers as an earlier one (same template, other names or objects).

    .venv/bin/python bench/bench_curate.py --n 200000        # about a minute
    .venv/bin/python bench/bench_curate.py                   # n = 1,000,000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa  # noqa: E402

from kgsynth.runs import RunFolder  # noqa: E402
from kgsynth.tables import QA_SCHEMA, QA_TABLE  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


NAMES = _words("Ana Ben Chloe Dev Eli Fay Gus Hana Ivan Jade Kofi Lena Milo Nia Omar Pia Quin Rosa")
NAMES += _words("Sami Tara")
ITEMS = _words(
    "apples pencils marbles stamps books coins tickets cookies shells cards bottles kites"
)
PLACES = _words("market school library park garden museum station harbour bakery farm")
SHAPES = _words("triangle rectangle square trapezoid rhombus hexagon circle parallelogram")
TEMPLATES = [
    "{a} buys {x} {i} at the {p} and gives {y} of them to {b}. How many {i} does {a} have "
    "left if {a} started with {z}?",
    "A {s} has a perimeter of {x} cm and one side of {y} cm. What is the area of the {s} in "
    "square centimetres?",
    "{a} reads {x} pages of a book every day and {b} reads {y} pages. After how many days "
    "will they have read {z} pages together?",
    "The {p} sells {i} in packs of {x}. If {a} needs {z} {i} for a party, how many packs must "
    "{a} buy and how many are left over?",
    "Find the value of n such that {x}n + {y} = {z}, and explain how {a} could check the "
    "answer using substitution.",
    "What is the probability that {a} draws two {i} of the same colour from a bag with {x} "
    "red and {y} blue {i}?",
]
BENCH_TEMPLATES = [
    "In the {p} there are {x} rows of {y} seats each, and {z} seats are taken by visitors "
    "from out of town. How many seats remain free for {a}?",
    "Evaluate the sum of the first {x} terms of the arithmetic sequence whose first term is "
    "{y} and whose common difference is {z}.",
    "A cyclist rides {x} km at {y} km per hour and then {z} km at twice that speed. What is "
    "the average speed for the whole trip?",
]


def question(rng: random.Random, templates: list[str]) -> str:
    t = rng.choice(templates)
    return t.format(
        a=rng.choice(NAMES), b=rng.choice(NAMES), i=rng.choice(ITEMS), p=rng.choice(PLACES),
        s=rng.choice(SHAPES), x=rng.randint(2, 999), y=rng.randint(2, 999), z=rng.randint(2, 9999),
    )  # fmt: skip


def near_copy(rng: random.Random, q: str) -> str:
    words = q.split()
    k = rng.randrange(1, len(words) - 1)
    return " ".join(words[:k] + [rng.choice(["then", "also", "now", "just"])] + words[k:])


def make_data(n: int, bench_items: int, seed: int, folder: Path) -> dict[str, Any]:
    rng = random.Random(seed)
    bench = [question(rng, BENCH_TEMPLATES) for _ in range(bench_items)]
    bench_path = folder / "benchmark.jsonl"
    with bench_path.open("w", encoding="utf-8") as f:
        for i, text in enumerate(bench):
            f.write(json.dumps({"id": i, "question": text}) + "\n")
    run = RunFolder(folder / "runs", "generate")
    planted: dict[str, int] = {}
    made: list[str] = []
    rows = 50_000
    for shard, start in enumerate(range(0, n, rows)):
        texts, kinds = [], []
        for _ in range(min(rows, n - start)):
            roll = rng.random()
            if made and roll < 0.05:
                texts.append(rng.choice(made[-20000:]))
                kinds.append("exact")
            elif made and roll < 0.10:
                texts.append(near_copy(rng, rng.choice(made[-20000:])))
                kinds.append("near")
            elif roll < 0.11:
                texts.append(rng.choice(bench).upper())
                kinds.append("benchmark")
            else:
                texts.append(question(rng, TEMPLATES))
                kinds.append("original")
            planted[kinds[-1]] = planted.get(kinds[-1], 0) + 1
            made.append(texts[-1])
        made = made[-20000:]
        m = len(texts)
        cols = {
            "question_id": pa.array([f"{kinds[i]}-{start + i}" for i in range(m)]),
            "run_id": pa.array([run.run_id] * m),
            "level": pa.array([3] * m, pa.int8()),
            "question": pa.array(texts),
            "seed": pa.array(range(start, start + m), pa.int64()),
        }
        table = pa.table(
            [cols.get(f.name, pa.nulls(m, f.type)) for f in QA_SCHEMA], schema=QA_SCHEMA
        )
        run.write_shard(QA_TABLE, shard, table)
    return {
        "run": run.run_id,
        "runs": str(folder / "runs"),
        "bench": str(bench_path),
        "planted": planted,
    }


def leg(name: str, data: dict[str, Any], ref_n: int, out: Any) -> None:
    if name == "datasketch":
        out.put(reference_leg(data, ref_n))
        return
    from kgsynth.config import CurateConfig
    from kgsynth.stages.curate import run_curate
    from kgsynth.stages.curate.source import parquet_batches, run_input

    runs = Path(data["runs"])
    run = RunFolder(runs, "generate", data["run"])
    cfg = CurateConfig(
        benchmarks=(Path(data["bench"]),) if name != "dedup" else (),
        dedup=name != "decontam",
        reference_check=False,
    )
    began, cpu = time.perf_counter(), time.process_time()
    report = run_curate(
        cfg, run, parquet_batches(run_input(run), cfg.batch_size), run.run_id, runs / "none"
    )
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    manifest = json.loads((run.path / "curate.json").read_text())
    import pyarrow.parquet as pq

    removed = pq.read_table(run.path / "removed", columns=["question_id", "reason"]).to_pylist()
    by_kind: dict[str, dict[str, int]] = {}
    for r in removed:
        kind = r["question_id"].split("-")[0]
        by_kind.setdefault(r["reason"], {}).setdefault(kind, 0)
        by_kind[r["reason"]][kind] += 1
    out.put({
        "leg": name, "rows": report.input_rows, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
        "rows_per_s": round(report.input_rows / wall),
        "rows_per_cpu_s": round(report.input_rows / cpu), "peak_rss_mb": _rss_mb(),
        "index_mb": round(manifest["index_bytes"] / 2**20, 1), "removed": by_kind,
    })  # fmt: skip


def reference_leg(data: dict[str, Any], ref_n: int) -> dict[str, Any]:
    """datasketch's own MinHash + MinHashLSH, one question at a time (no exact/benchmark)."""
    import pyarrow.parquet as pq
    from datasketch import MinHash, MinHashLSH

    from kgsynth.stages.curate.text import words

    folder = Path(data["runs"]) / data["run"] / QA_TABLE
    texts = (
        pq.read_table(sorted(folder.glob("part-*.parquet"))[0], columns=["question"])
        .column(0)
        .to_pylist()
    )
    texts = texts[:ref_n]
    began, cpu = time.perf_counter(), time.process_time()
    lsh = MinHashLSH(threshold=0.5, num_perm=64, weights=(0.1, 0.9))
    kept: dict[int, MinHash] = {}
    removed = 0
    for i, text in enumerate(texts):
        w = words(text)
        m = MinHash(num_perm=64, seed=1)
        m.update_batch([" ".join(w[j : j + 3]).encode() for j in range(max(1, len(w) - 2))])
        if any(m.jaccard(kept[c]) >= 0.5 for c in lsh.query(m)):
            removed += 1
        else:
            lsh.insert(i, m, check_duplication=False)
            kept[i] = m
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {"leg": "datasketch", "rows": len(texts), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "rows_per_s": round(len(texts) / wall),
            "rows_per_cpu_s": round(len(texts) / cpu), "peak_rss_mb": _rss_mb(),
            "index_mb": None, "removed": {"exact or near duplicate": removed}}  # fmt: skip


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--bench-items", type=int, default=10_000)
    p.add_argument("--ref-n", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--legs", default="full,dedup,decontam,datasketch")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        data = make_data(args.n, args.bench_items, args.seed, Path(tmp))
        print(
            f"data: {args.n} questions, planted {data['planted']} ({time.perf_counter() - t:.0f} s)"
        )
        print(f"load average at start: {os.getloadavg()}")
        ctx = mp.get_context("spawn")
        results = []
        for name in args.legs.split(","):
            q = ctx.Queue()
            proc = ctx.Process(target=leg, args=(name, data, args.ref_n, q))
            proc.start()
            results.append(q.get())
            proc.join()
            print(json.dumps(results[-1]))
        print(f"load average at end: {os.getloadavg()}")
        ref = next((r for r in results if r["leg"] == "datasketch"), None)
        for r in results:
            if ref and r is not ref:
                ratio = r["rows_per_cpu_s"] / ref["rows_per_cpu_s"]
                print(
                    f"{r['leg']}: {ratio:.2f}x the datasketch MinHashLSH leg (rows per CPU second)"
                )


if __name__ == "__main__":
    main()
