"""Co-occurrence write speed: kgsynth's counted stage vs today's per-batch MERGE path vs a
minimal hand-written CREATE script, on the same synthetic documents in the same ArcadeDB.

Every leg first writes the documents, topics, concepts and their links with kgsynth's batch
writer (the same code for all legs, timed apart), then writes the three CO_OCCURS sub-graphs:

- ``kgsynth``: :func:`kgsynth.stages.ingest.counting.count_cooccurrence` (reads the links
  back, sparse products, CREATE in 10k-row batches, documents marked counted);
- ``merge``: what ingest did before (per batch of documents, pairs aggregated in Python and
  written with ``MERGE ... ON MATCH SET count = count + n``), on the first ``--merge-docs``
  documents only (it is slow, and slower as the graph grows, so its rate here flatters it);
- ``script``: counts from a Python ``Counter`` over the documents in memory, written with a
  bare ``UNWIND $rows MATCH MATCH CREATE`` in 10k-row batches through the driver.

Edges/s = CO_OCCURS edges / time of the co-occurrence phase.

    .venv/bin/python bench/bench_ingest.py --docs 40000 --concepts-per-doc 10
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

from kgsynth.graph import GraphRepository, localserver
from kgsynth.graph.connect import Connection
from kgsynth.graph.migrator import Migrator
from kgsynth.keys import normalize_key
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.build import write_documents
from kgsynth.stages.ingest.counting import count_cooccurrence

LABELS = {"tt": ("Topic", "Topic"), "tc": ("Topic", "Concept"), "cc": ("Concept", "Concept")}
MERGE = {
    k: f"UNWIND $rows AS r MATCH (a:{la} {{key: r.a}}) MATCH (b:{lb} {{key: r.b}}) "
    "MERGE (a)-[c:CO_OCCURS]->(b) ON CREATE SET c.count = r.n ON MATCH SET c.count = c.count + r.n"
    for k, (la, lb) in LABELS.items()
}
CREATE = {
    k: f"UNWIND $rows AS r MATCH (a:{la} {{key: r.a}}) MATCH (b:{lb} {{key: r.b}}) "
    "CREATE (a)-[:CO_OCCURS {count: r.n}]->(b)"
    for k, (la, lb) in LABELS.items()
}


def synthetic_documents(n_docs: int, per_doc: int, n_concepts: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    weights = [1 / (i + 1) ** 1.1 for i in range(n_concepts)]
    topics = [f"topic {i}" for i in range(max(20, n_concepts // 50))]
    docs = []
    for i in range(n_docs):
        concepts: set[str] = set()
        while len(concepts) < per_doc:
            concepts.update(
                f"concept {c}" for c in rng.choices(range(n_concepts), weights, k=per_doc)
            )
        chosen = sorted(concepts)[:per_doc]
        doc_topics = rng.sample(topics, 2)
        mapping = {doc_topics[0]: tuple(chosen[: per_doc // 2]),
                   doc_topics[1]: tuple(chosen[per_doc // 2 :])}  # fmt: skip
        doc = Document(id=f"d{i:07d}", text=f"synthetic document {i}", title="", source="bench")
        docs.append((doc, Extraction(doc.id, None, None, mapping)))
    return docs


def doc_pairs(ex: Extraction) -> dict[str, list[tuple[str, str]]]:
    t = sorted({normalize_key(k) for k in ex.concepts})
    c = sorted({normalize_key(x) for xs in ex.concepts.values() for x in xs})
    return {"tt": list(combinations(t, 2)), "tc": [(a, b) for a in t for b in c],
            "cc": list(combinations(c, 2))}  # fmt: skip


def run_rows(driver, database: str, statement: str, rows: list[dict], size: int) -> None:  # noqa: ANN001
    with driver.session(database=database) as session:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            session.execute_write(lambda tx, p=part: tx.run(statement, rows=p).consume())


def merge_leg(driver, database: str, docs: list[tuple], batch: int) -> None:  # noqa: ANN001
    """Today's path: per batch, aggregate and MERGE (one transaction per batch and sub-graph)."""
    for start in range(0, len(docs), batch):
        counters: dict[str, Counter] = {k: Counter() for k in LABELS}
        for _, ex in docs[start : start + batch]:
            for k, pairs in doc_pairs(ex).items():
                counters[k].update(pairs)
        for k, counter in counters.items():
            rows = [{"a": a, "b": b, "n": n} for (a, b), n in sorted(counter.items())]
            run_rows(driver, database, MERGE[k], rows, len(rows) or 1)


def script_leg(driver, database: str, docs: list[tuple]) -> None:  # noqa: ANN001
    counters: dict[str, Counter] = {k: Counter() for k in LABELS}
    for _, ex in docs:
        for k, pairs in doc_pairs(ex).items():
            counters[k].update(pairs)
    for k, counter in counters.items():
        rows = [{"a": a, "b": b, "n": n} for (a, b), n in counter.items()]
        run_rows(driver, database, CREATE[k], rows, 10_000)


def counts(store: GraphRepository) -> tuple[int, int]:
    """(all relationships, CO_OCCURS edges)."""
    c = store.graph_counts().as_dict()
    co = int(c["topic_edges"]) + int(c["topic_concept_edges"]) + int(c["concept_edges"])
    links = int(c["mentions"]) + int(c["document_topics"]) + int(c["topic_concepts"])
    return links + co, co


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=40000)
    parser.add_argument("--concepts-per-doc", type=int, default=10)
    parser.add_argument("--concepts", type=int, default=20000, help="distinct concepts")
    parser.add_argument("--batch", type=int, default=500, help="documents per transaction")
    parser.add_argument("--merge-docs", type=int, default=4000, help="documents of the MERGE leg")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    docs = synthetic_documents(args.docs, args.concepts_per_doc, args.concepts, args.seed)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        password = localserver.local_password(home, None)
        state = localserver.start_server(home, password, "graph")
        try:
            store = GraphRepository(
                Connection(state.uri, localserver.USER, password, state.database)
            )
            Migrator(store).migrate()
            for leg in ("merge", "script", "kgsynth"):
                part = docs[: args.merge_docs] if leg == "merge" else docs
                store.write("clear_graph")
                t0 = time.perf_counter()
                for start in range(0, len(part), args.batch):
                    write_documents(store, part[start : start + args.batch])
                t1 = time.perf_counter()
                if leg == "kgsynth":
                    count_cooccurrence(store)
                elif leg == "merge":
                    merge_leg(store._driver, state.database, part, args.batch)
                else:
                    script_leg(store._driver, state.database, part)
                t2 = time.perf_counter()
                rels, co = counts(store)
                results[leg] = co / (t2 - t1)
                print(f"{leg:>8}: {len(part)} documents, links {rels - co} in {t1 - t0:.1f} s "
                      f"({(rels - co) / (t1 - t0):,.0f}/s); CO_OCCURS {co} in {t2 - t1:.1f} s "
                      f"= {co / (t2 - t1):,.0f} edges/s; {rels} relationships in all")  # fmt: skip
            store.close()
        finally:
            localserver.stop_server(home, state)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    k, m, s = results["kgsynth"], results["merge"], results["script"]
    print(
        f"kgsynth {k:,.0f} edges/s (goal >= 30,000); "
        f"vs MERGE path {k / m:.1f}x (goal >= 10x); vs CREATE script {k / s:.2f} (goal >= 0.8)"
    )


if __name__ == "__main__":
    main()
