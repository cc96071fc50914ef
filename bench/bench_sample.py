"""Benchmark: Level-3 walks on stored neighbour arrays vs the in-process numpy walk.

Builds a generated corpus (bench/corpus.py: Zipf-popular names, so some concepts are hubs) in
a local ArcadeDB started in a temporary folder, through kgsynth's graph build and counted
co-occurrence stage. Then, on the same graph and the same draws (one epoch: a walk from every
topic, paper defaults):

- the walk arrays are built (timed apart);
- the Cypher walk (``ArrayStepper``: one ``walk_step`` query per step slot, ``--batch-size``
  walks per batch, binary search on the stored arrays);
- the numpy reference walk (tests/walk_reference.py) over the graph's export (export time
  apart), which must produce identical walks;
- the whole sample stage for one epoch (walks, exact Jaccard references, parquet, persistence).

    .venv/bin/python bench/bench_sample.py                 # >= 1M CO_OCCURS, a >= 50k hub
    .venv/bin/python bench/bench_sample.py --docs 3000     # quick
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus  # noqa: E402
from kgsynth.config import SampleConfig, Settings  # noqa: E402
from kgsynth.graph import GraphRepository, localserver  # noqa: E402
from kgsynth.graph.connect import Connection  # noqa: E402
from kgsynth.graph.migrator import Migrator  # noqa: E402
from kgsynth.runs import RunFolder  # noqa: E402
from kgsynth.stages.ingest.build import write_documents  # noqa: E402
from kgsynth.stages.ingest.counting import count_cooccurrence  # noqa: E402
from kgsynth.stages.sample import run_sample  # noqa: E402
from kgsynth.stages.sample.arrays import ArrayStepper, ensure_walk_arrays  # noqa: E402
from kgsynth.stages.sample.walk import epoch_draws, run_walks  # noqa: E402
from tests.walk_reference import NumpyWalk  # noqa: E402


def build(store: GraphRepository, args: argparse.Namespace) -> None:
    pairs = list(corpus.documents(args.docs, args.topics, args.concepts, args.topics_per_doc,
                                  args.concepts_per_doc, seed=args.seed))  # fmt: skip
    t0 = time.perf_counter()
    for i in range(0, len(pairs), args.write_batch):
        write_documents(store, pairs[i : i + args.write_batch])
    t1 = time.perf_counter()
    count_cooccurrence(store)
    t2 = time.perf_counter()
    g = store.graph_counts().as_dict()
    edges = g["topic_edges"] + g["topic_concept_edges"] + g["concept_edges"]
    cc = [e for e in store.counted_edges() if e.a_label == e.b_label == "Concept"]
    hub = Counter(e.a_key for e in cc) + Counter(e.b_key for e in cc)
    ((hub_key, hub_degree),) = hub.most_common(1)
    print(f"graph: {g['documents']} documents, {g['topics']} topics, {g['concepts']} concepts, "
          f"{edges} CO_OCCURS edges (tt {g['topic_edges']}, tc {g['topic_concept_edges']}, "
          f"cc {g['concept_edges']}); biggest hub {hub_key!r} with {hub_degree} concept "
          f"neighbours; documents+links {t1 - t0:.0f} s, counts {t2 - t1:.0f} s "
          f"({edges / (t2 - t1):,.0f} edges/s)")  # fmt: skip


def bench(store: GraphRepository, args: argparse.Namespace, home: Path) -> None:
    build(store, args)
    cfg = dataclasses.replace(SampleConfig(), seed=args.seed, batch_size=args.batch_size)
    t0 = time.perf_counter()
    index = ensure_walk_arrays(store, cfg)
    arrays_s = time.perf_counter() - t0
    topics = index.topics
    draws = epoch_draws(cfg, 0, len(topics))

    def walk_all(stepper: object) -> tuple[list, float]:
        walks, began = [], time.perf_counter()
        for first in range(0, len(topics), cfg.batch_size):
            part = slice(first, first + cfg.batch_size)
            starts = [topics[i] for i in draws.order[part]]
            walks += run_walks(stepper, cfg, 0, starts, draws.topic_steps[part],  # type: ignore[arg-type]
                               draws.concept_steps[part], draws.u[part])  # fmt: skip
        return walks, time.perf_counter() - began

    cypher_walks, cypher_s = walk_all(ArrayStepper(store, index))
    t0 = time.perf_counter()
    ref = NumpyWalk(store.walkable_nodes(), store.counted_edges(), cfg)
    export_s = time.perf_counter() - t0
    ref_walks, ref_s = walk_all(ref)
    same = [w.path for w in cypher_walks] == [w.path for w in ref_walks]
    n = len(cypher_walks)
    cypher_rate, ref_rate = n / cypher_s, n / ref_s
    print(f"walks: {n} (one epoch), mean path length "
          f"{np.mean([len(w.path) for w in cypher_walks]):.2f}, "
          f"{sum(w.dead_end for w in cypher_walks)} met a dead end")  # fmt: skip
    print(f"walk arrays built in {arrays_s:.1f} s")
    batch = cfg.batch_size
    print(f"Cypher array walk : {cypher_rate:8.0f} sets/s ({cypher_s:.1f} s, batch {batch})")
    print(f"numpy walk        : {ref_rate:8.0f} sets/s ({ref_s:.2f} s; export {export_s:.1f} s)")
    print(f"ratio numpy / Cypher: {ref_rate / cypher_rate:.1f}x (goal <= 10x); "
          f"identical walks: {same}")  # fmt: skip
    settings = dataclasses.replace(
        Settings(), runs_dir=home / "runs", sample=dataclasses.replace(cfg, epochs=1)
    )
    run = RunFolder(settings.runs_dir, "sample")
    r = run_sample(store, settings, run)
    print(f"whole stage: {r.sets_per_s:8.0f} sets/s ({r.sets} sets from {r.walks} walks in "
          f"{r.elapsed_s:.1f} s; references, parquet and persistence included)")  # fmt: skip
    manifest = json.loads((run.path / "manifest.json").read_text())
    print(f"   timings: {manifest['timings']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=36000)
    ap.add_argument("--topics", type=int, default=32000)
    ap.add_argument("--concepts", type=int, default=200000)
    ap.add_argument("--topics-per-doc", type=int, default=2)
    ap.add_argument("--concepts-per-doc", type=int, default=14)
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--write-batch", type=int, default=1000, help="documents per build write")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="kgsynth-bench-") as tmp:
        home = Path(tmp)
        password = localserver.local_password(home, None)
        state = localserver.start_server(home, password, "graph")
        store = GraphRepository(Connection(state.uri, localserver.USER, password, state.database))
        try:
            Migrator(store).migrate()
            bench(store, args, home)
        finally:
            store.close()
            localserver.stop_server(home, state)
    print(f"load average {os.getloadavg()[0]:.1f} after")


if __name__ == "__main__":
    main()
