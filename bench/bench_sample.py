"""Benchmark: Level-3 walk throughput, Cypher on the graph server vs in-process numpy CSR.

Builds a synthetic concept graph with a heavy-tailed degree distribution in a local ArcadeDB
(started in a temporary folder): each synthetic document lists 1–3 topics (one round-robin,
the others Zipf over topic ranks) and, under each, two "own" key concepts (round-robin, so
every node exists) plus 1–3 Zipf-drawn ones, written through the build stage's
``write_batch`` (real co-occurrence counts).
Then, on the same graph and the same draws (one epoch: a walk from every topic, paper defaults):

- the Cypher walk (``CypherStepper``: one batched query per step slot, ``--batch-size`` walks
  per batch);
- the numpy CSR walk of the same specification (graph exported once; export time reported
  apart), which must produce identical walks;

and prints concept sets/s (one walk = one candidate set) for both and their ratio. With
``--full`` it also times the whole sample stage (walks, dedup, Jaccard references, parquet,
graph persistence) on the first ``--full-sets`` sets.

    .venv/bin/python bench/bench_sample.py                  # ~30k nodes; ~10 min here
    .venv/bin/python bench/bench_sample.py --docs 1000 --topics 500 --concepts 4000  # quick
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kgsynth.batching import batched
from kgsynth.config import SampleConfig, Settings
from kgsynth.graph import GraphRepository, localserver
from kgsynth.graph.connect import Connection
from kgsynth.graph.migrator import Migrator
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.ingest.build import write_batch
from kgsynth.stages.sample import run_sample
from kgsynth.stages.sample.walk import CsrStepper, CypherStepper, Node, epoch_draws, run_walks


def zipf_weights(n: int, a: float) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** a
    return p / p.sum()


def synthetic_documents(
    docs: int, topics: int, concepts: int, seed: int, a: float, own: int = 2
) -> list[tuple[Document, Extraction]]:
    """Documents whose topics and concepts follow Zipf laws, every node used at least once.

    Document ``i`` lists topic ``i mod topics`` plus 0-2 Zipf-drawn topics; under each topic,
    ``own`` concepts taken round-robin (so every concept occurs) and 1-3 Zipf-drawn ones.
    """
    rng = np.random.default_rng(seed)
    pt, pc = zipf_weights(topics, a), zipf_weights(concepts, a)
    next_own = 0
    pairs = []
    for i in range(docs):
        extra_topics = rng.choice(topics, size=int(rng.integers(0, 3)), p=pt).tolist()
        listed: dict[str, tuple[str, ...]] = {}
        for t in sorted({i % topics, *extra_topics}):
            mine = [(next_own + k) % concepts for k in range(own)]
            next_own += own
            extra = rng.choice(concepts, size=int(rng.integers(1, 4)), p=pc).tolist()
            listed[f"Topic {t}"] = tuple(f"Concept {c}" for c in dict.fromkeys(mine + extra))
        doc = Document(id=f"doc-{i:06d}", text=f"synthetic document {i}", title=f"Doc {i}",
                       source="bench")  # fmt: skip
        pairs.append((doc, Extraction(doc_id=doc.id, level=None, subject=None, concepts=listed)))
    return pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=6500)
    ap.add_argument("--topics", type=int, default=4300)
    ap.add_argument("--concepts", type=int, default=26000)
    ap.add_argument("--zipf", type=float, default=1.1, help="Zipf exponent of node popularity")
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--write-batch", type=int, default=250, help="documents per build write")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--full", action="store_true", help="also time the whole sample stage")
    ap.add_argument("--full-sets", type=int, default=2000)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="kgsynth-bench-") as tmp:
        home = Path(tmp)
        password = localserver.local_password(home, None)
        t0 = time.perf_counter()
        state = localserver.start_server(home, password, "graph")
        print(f"ArcadeDB started in {time.perf_counter() - t0:.1f} s ({state.uri})")
        store = GraphRepository(Connection(state.uri, localserver.USER, password, state.database))
        try:
            Migrator(store).migrate()
            bench(store, args, home)
        finally:
            store.close()
            localserver.stop_server(home, state)


def bench(store: GraphRepository, args: argparse.Namespace, home: Path) -> None:
    pairs = synthetic_documents(args.docs, args.topics, args.concepts, args.seed, args.zipf)
    t0 = time.perf_counter()
    for chunk in batched(pairs, args.write_batch):
        write_batch(store, chunk)
    build_s = time.perf_counter() - t0
    g = store.graph_counts().as_dict()
    edges = g["topic_edges"] + g["topic_concept_edges"] + g["concept_edges"]
    print(
        f"graph: {g['documents']} documents, {g['topics']} topics + {g['concepts']} key concepts "
        f"= {g['topics'] + g['concepts']} nodes, {edges} CO_OCCURS edges "
        f"(tt {g['topic_edges']}, tc {g['topic_concept_edges']}, cc {g['concept_edges']}); "
        f"built in {build_s:.0f} s"
    )
    cfg = dataclasses.replace(SampleConfig(), seed=args.seed, batch_size=args.batch_size)
    topics = sorted(Node(k, n) for k, n in store.walk_topics())
    draws = epoch_draws(cfg, 0, len(topics))

    def walk_all(stepper: CypherStepper | CsrStepper) -> tuple[list, float]:
        walks, began = [], time.perf_counter()
        for first in range(0, len(topics), cfg.batch_size):
            part = slice(first, first + cfg.batch_size)
            starts = [topics[i] for i in draws.order[part]]
            walks += run_walks(stepper, cfg, 0, starts, draws.topic_steps[part],
                               draws.concept_steps[part], draws.u[part])  # fmt: skip
        return walks, time.perf_counter() - began

    cypher_walks, cypher_s = walk_all(CypherStepper(store, cfg))
    t0 = time.perf_counter()
    csr = CsrStepper.from_store(store, cfg)
    export_s = time.perf_counter() - t0
    csr_walks, csr_s = walk_all(csr)
    same = [w.path for w in cypher_walks] == [w.path for w in csr_walks]
    n = len(cypher_walks)
    sizes = [len(w.path) for w in cypher_walks]
    unique = len({frozenset(w.path) for w in cypher_walks})
    cypher_rate, csr_rate = n / cypher_s, n / csr_s
    dead = sum(w.dead_end for w in cypher_walks)
    print(f"walks: {n} (one epoch), mean path length {np.mean(sizes):.2f}, {dead} met a dead end,")
    print(f"       {unique} distinct sets")
    print(f"Cypher walk : {cypher_rate:8.0f} sets/s ({cypher_s:.1f} s, batch {cfg.batch_size})")
    print(f"numpy CSR   : {csr_rate:8.0f} sets/s ({csr_s:.2f} s; export + CSR {export_s:.1f} s)")
    print(f"ratio CSR / Cypher: {csr_rate / cypher_rate:.1f}x; identical walks: {same}")
    if args.full:
        settings = dataclasses.replace(
            Settings(), runs_dir=home / "runs",
            sample=dataclasses.replace(cfg, epochs=1, max_sets=args.full_sets),
        )  # fmt: skip
        r = run_sample(store, settings, RunFolder(settings.runs_dir, "sample"))
        print(f"whole stage : {r.sets_per_s:8.0f} sets/s ({r.sets} sets from {r.walks} walks")
        print(f"              in {r.elapsed_s:.1f} s, references and graph writes included)")
    today = datetime.now(UTC).date().isoformat()
    python = platform.python_version()
    print(f"({today}, {platform.machine()}, {os.cpu_count()} cores, Python {python})")


if __name__ == "__main__":
    main()
