"""Ingest write speed: kgsynth's graph-build writer vs a minimal hand-written UNWIND script.

Both legs write the same synthetic documents (Zipf-distributed key concepts, so some
concepts are hubs) into the same local ArcadeDB, one after the other, the graph emptied in
between: documents, topics, concepts, MENTIONS / HAS_TOPIC / HAS_CONCEPT links and the three
CO_OCCURS sub-graphs. Edges/s counts every relationship written. The reference script uses
the same batch size and the same per-batch aggregation, so the ratio measures what kgsynth
adds (row building, catalog, alias resolution, checks).

    .venv/bin/python bench/bench_ingest.py --docs 12500 --concepts-per-doc 8
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

from kgsynth.batching import batched
from kgsynth.graph import GraphRepository, localserver
from kgsynth.graph.connect import Connection
from kgsynth.graph.migrator import Migrator
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.build import write_batch

REFERENCE = {
    "docs": "UNWIND $rows AS r MERGE (d:Document {id: r.id}) ON CREATE SET d.text = r.text",
    "topics": "UNWIND $rows AS r MERGE (t:Topic {key: r}) ON CREATE SET t.name = r",
    "concepts": "UNWIND $rows AS r MERGE (c:Concept {key: r}) ON CREATE SET c.name = r",
    "has_topic": "UNWIND $rows AS r MATCH (d:Document {id: r.doc}) MATCH (t:Topic {key: r.key}) "
    "MERGE (d)-[:HAS_TOPIC]->(t)",
    "mentions": "UNWIND $rows AS r MATCH (d:Document {id: r.doc}) MATCH (c:Concept {key: r.key}) "
    "MERGE (d)-[m:MENTIONS]->(c) ON CREATE SET m.keys = [r.key]",
    "has_concept": "UNWIND $rows AS r MATCH (t:Topic {key: r.a}) MATCH (c:Concept {key: r.b}) "
    "MERGE (t)-[h:HAS_CONCEPT]->(c) ON CREATE SET h.count = r.n "
    "ON MATCH SET h.count = h.count + r.n",
}
for _name, (_la, _lb) in {"tt": ("Topic", "Topic"), "tc": ("Topic", "Concept"),
                          "cc": ("Concept", "Concept")}.items():  # fmt: skip
    REFERENCE[_name] = (
        f"UNWIND $rows AS r MATCH (a:{_la} {{key: r.a}}) MATCH (b:{_lb} {{key: r.b}}) "
        "MERGE (a)-[c:CO_OCCURS]->(b) ON CREATE SET c.count = r.n "
        "ON MATCH SET c.count = c.count + r.n"
    )


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


def kgsynth_leg(store: GraphRepository, docs: list[tuple], batch: int) -> None:
    for chunk in batched(docs, batch):
        write_batch(store, chunk)


def reference_leg(driver, database: str, docs: list[tuple], batch: int) -> None:  # noqa: ANN001
    for start in range(0, len(docs), batch):
        part = docs[start : start + batch]
        tt, tc, cc, hc = Counter(), Counter(), Counter(), Counter()
        rows: dict[str, list] = {k: [] for k in ("docs", "has_topic", "mentions")}
        topics, concepts = set(), set()
        for doc, ex in part:
            rows["docs"].append({"id": doc.id, "text": doc.text})
            t_keys = sorted(ex.concepts)
            c_keys = sorted({c for cs in ex.concepts.values() for c in cs})
            topics.update(t_keys)
            concepts.update(c_keys)
            rows["has_topic"] += [{"doc": doc.id, "key": t} for t in t_keys]
            rows["mentions"] += [{"doc": doc.id, "key": c} for c in c_keys]
            hc.update((t, c) for t, cs in ex.concepts.items() for c in cs)
            tt.update(combinations(t_keys, 2))
            tc.update((t, c) for t in t_keys for c in c_keys)
            cc.update(combinations(c_keys, 2))

        def pairs(counter: Counter) -> list[dict]:
            return [{"a": a, "b": b, "n": n} for (a, b), n in counter.items()]

        statements = [
            ("docs", rows["docs"]), ("topics", sorted(topics)), ("concepts", sorted(concepts)),
            ("has_topic", rows["has_topic"]), ("mentions", rows["mentions"]),
            ("has_concept", pairs(hc)), ("tt", pairs(tt)), ("tc", pairs(tc)), ("cc", pairs(cc)),
        ]  # fmt: skip

        def work(tx, statements=statements) -> None:  # noqa: ANN001
            for name, data in statements:
                tx.run(REFERENCE[name], rows=data).consume()

        with driver.session(database=database) as session:
            session.execute_write(work)


def relationship_count(store: GraphRepository) -> int:
    c = store.graph_counts().as_dict()
    keys = ("mentions", "document_topics", "topic_concepts", "topic_edges",
            "topic_concept_edges", "concept_edges")  # fmt: skip
    return sum(int(c[k]) for k in keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=12500)
    parser.add_argument("--concepts-per-doc", type=int, default=8)
    parser.add_argument("--concepts", type=int, default=20000, help="distinct concepts")
    parser.add_argument("--batch", type=int, default=500, help="documents per transaction")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1, help="alternating runs of each leg")
    args = parser.parse_args()
    docs = synthetic_documents(args.docs, args.concepts_per_doc, args.concepts, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        password = localserver.local_password(home, None)
        state = localserver.start_server(home, password, "graph")
        try:
            conn = Connection(state.uri, localserver.USER, password, state.database, state)
            store = GraphRepository(conn)
            Migrator(store).migrate()
            results = {}
            for leg in ("reference", "kgsynth") * args.repeats:
                store.clear_graph()
                t0 = time.perf_counter()
                if leg == "kgsynth":
                    kgsynth_leg(store, docs, args.batch)
                else:
                    reference_leg(store._driver, state.database, docs, args.batch)
                elapsed = time.perf_counter() - t0
                edges = relationship_count(store)
                results.setdefault(leg, []).append((elapsed, edges))
                print(f"{leg:>9}: {edges} relationships in {elapsed:.1f} s "
                      f"= {edges / elapsed:,.0f} edges/s")  # fmt: skip
            store.close()
        finally:
            localserver.stop_server(home, state)
    best = {leg: min(r, key=lambda x: x[0]) for leg, r in results.items()}
    mentions = args.docs * args.concepts_per_doc
    k_rate = best["kgsynth"][1] / best["kgsynth"][0]
    r_rate = best["reference"][1] / best["reference"][0]
    written = f"{best['kgsynth'][1]} (kgsynth) / {best['reference'][1]} (script)"
    print(f"documents {args.docs}, document->concept links {mentions}, relationships {written}")
    print(f"kgsynth writer : {k_rate:,.0f} edges/s (best of {args.repeats})")
    print(f"hand-written   : {r_rate:,.0f} edges/s (best of {args.repeats})")
    print(f"ratio kgsynth/script: {k_rate / r_rate:.2f} (goal >= 0.8; >= 10k edges/s)")


if __name__ == "__main__":
    main()
