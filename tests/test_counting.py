"""Counted co-occurrence: equal to a brute-force count after a clean run, after kill -9 and a
re-run, after an incremental second ingest, and after a merge and its undo."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

from kgsynth.graph import GraphRepository
from kgsynth.graph.connect import Connection
from kgsynth.keys import normalize_key
from kgsynth.records import Document, Extraction
from kgsynth.stages.ingest.build import write_documents
from kgsynth.stages.ingest.counting import count_cooccurrence, count_pairs

REPO = Path(__file__).resolve().parents[1]


def corpus(n: int, seed: int, first: int = 0) -> list[tuple[Document, Extraction]]:
    """Zipf-popular topics and concepts, so some pairs repeat a lot and some are hubs."""
    rng = random.Random(seed)
    topics = [f"Topic {i}" for i in range(12)]
    concepts = [f"Concept {i}" for i in range(80)]
    tw = [1 / (i + 1) for i in range(len(topics))]
    cw = [1 / (i + 1) ** 1.1 for i in range(len(concepts))]
    out = []
    for i in range(first, first + n):
        doc = Document(id=f"d{i:05d}", text=f"text {i}", title="", source="test")
        mapping = {
            t: tuple(dict.fromkeys(rng.choices(concepts, cw, k=rng.randint(1, 5))))
            for t in dict.fromkeys(rng.choices(topics, tw, k=rng.randint(1, 3)))
        }
        out.append((doc, Extraction(doc.id, None, None, mapping)))
    return out


def brute_force(pairs: list[tuple[Document, Extraction]]) -> dict[tuple[str, str], int]:
    """Count documents per pair the slow, obvious way (keys labelled like the export)."""
    counts: Counter[tuple[str, str]] = Counter()
    for _, ex in pairs:
        ts = sorted({normalize_key(t) for t in ex.concepts})
        cs = sorted({normalize_key(c) for names in ex.concepts.values() for c in names})
        counts.update((f"Topic:{a}", f"Topic:{b}") for a, b in combinations(ts, 2))
        counts.update((f"Topic:{t}", f"Concept:{c}") for t in ts for c in cs)
        counts.update((f"Concept:{a}", f"Concept:{b}") for a, b in combinations(cs, 2))
    return dict(counts)


def edges(graph: GraphRepository) -> dict[tuple[str, str], int]:
    rows = graph.read("explore/cooccurrence_counts")
    return {(r["a"], r["b"]): r["count"] for r in rows}


def ingest(graph: GraphRepository, pairs: list, batch: int = 50) -> None:
    for start in range(0, len(pairs), batch):
        write_documents(graph, pairs[start : start + batch])


def test_sparse_counts_equal_brute_force() -> None:
    pairs = corpus(300, seed=1)
    from kgsynth.graph.repository.cooccurrence import DocumentLinks
    from kgsynth.stages.ingest.build import document_sets

    links = []
    for doc, ex in pairs:
        topics, concepts, _, _ = document_sets(ex, {})
        links.append(DocumentLinks(doc.id, list(topics), list(concepts)))
    got = {}
    counted = count_pairs(links)
    for g, (la, lb) in {"topic": ("Topic", "Topic"), "topic_concept": ("Topic", "Concept"),
                        "concept": ("Concept", "Concept")}.items():  # fmt: skip
        for r in counted.rows(g):
            got[(f"{la}:{r['a']}", f"{lb}:{r['b']}")] = r["n"]
    assert got == brute_force(pairs)


def test_clean_run_then_incremental_ingest_equal_brute_force(graph: GraphRepository) -> None:
    first, second = corpus(200, seed=2), corpus(20, seed=3, first=200)
    ingest(graph, first)
    assert graph.cooccurrence_state().pending == 200
    report = count_cooccurrence(graph)
    assert (report.path, report.documents) == ("rebuild", 200)
    assert edges(graph) == brute_force(first)
    ingest(graph, second)
    report = count_cooccurrence(graph)
    assert (report.path, report.documents) == ("incremental", 20)
    assert edges(graph) == brute_force(first + second)
    # nothing pending: a re-run changes nothing
    assert count_cooccurrence(graph).path == "none"
    assert edges(graph) == brute_force(first + second)


def test_kill_9_during_the_rebuild_then_rerun_gives_the_same_counts(
    graph: GraphRepository, graph_connection: Connection
) -> None:
    pairs = corpus(200, seed=4)
    ingest(graph, pairs)
    c = graph_connection
    script = """
import json, sys
import kgsynth.stages.ingest.counting as counting
from kgsynth.graph import GraphRepository
from kgsynth.graph.connect import Connection
counting.CREATE_BATCH = 50  # many small transactions, so the kill lands between two
c = json.loads(sys.argv[1])
store = GraphRepository(Connection(c["uri"], c["user"], c["password"], c["database"]))
def progress(phase, done, total):
    print(phase, done, total, flush=True)
counting.count_cooccurrence(store, on_progress=progress)
"""
    conn = json.dumps(
        {"uri": c.uri, "user": c.user, "password": c.password, "database": c.database}
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script, conn], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("creating edges") and int(line.split()[2]) >= 300:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the count finished before it could be killed"
    state = graph.cooccurrence_state()
    assert state.rebuilding and state.pending == 200 and state.edges > 0
    assert edges(graph) != brute_force(pairs)  # half written
    assert count_cooccurrence(graph).path == "rebuild"
    assert edges(graph) == brute_force(pairs)
    assert graph.cooccurrence_state().pending == 0


def test_a_crash_before_the_count_leaves_documents_pending(graph: GraphRepository) -> None:
    """Documents written by a crashed ingest are counted by the next ingest's count."""
    pairs = corpus(60, seed=5)
    ingest(graph, pairs[:40])
    count_cooccurrence(graph)
    ingest(graph, pairs[40:])  # the process "dies" here, before its count
    assert edges(graph) == brute_force(pairs[:40])
    count_cooccurrence(graph)
    assert edges(graph) == brute_force(pairs)
