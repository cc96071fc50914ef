"""Benchmark: ``kgsynth filter --apply`` against the raw encode + predict calls it wraps.

Builds ``--n`` short documents (one or two sentences drawn at random from the bundled math
documents and the off-domain test documents), trains a random-forest filter model on a few
hundred of them (target 8 for math, 3 otherwise) and saves it. Then, in one process, each
leg scores every document with that model:

(a) kgsynth: :func:`kgsynth.stages.filter.apply_filter` on the ``.jsonl`` file -- reading,
    sharding, the embedding cache, score shards and the kept parquet included;
(b) raw: ``SentenceTransformer.encode`` of the texts (already in memory) and
    ``estimator.predict``.

Both legs use the same loaded encoder and model, the same batch size and text cut, and
start their clocks after loading. Printed: documents/s of each leg, the ratio
kgsynth/raw (goal >= 0.9), process CPU time, the load average, and whether both legs keep
the same documents. ``--repeat`` alternates the order and keeps each leg's fastest run.

    .venv/bin/python bench/bench_filter.py              # n = 10,000
    .venv/bin/python bench/bench_filter.py --n 2000     # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from kgsynth.assets import asset_dir  # noqa: E402
from kgsynth.config import FilterConfig  # noqa: E402
from kgsynth.runs import RunFolder  # noqa: E402
from kgsynth.stages.filter import apply_filter, make_encoder  # noqa: E402
from kgsynth.stages.filter.models import load_model, train  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _sentences() -> tuple[list[str], list[str]]:
    math: list[str] = []
    for line in (asset_dir("examples") / "math_corpus.jsonl").read_text().splitlines():
        math += [s for s in SENTENCE.split(json.loads(line)["text"]) if len(s) > 40]
    other: list[str] = []
    for line in (REPO / "tests/data/filter/off_domain.jsonl").read_text().splitlines():
        text = json.loads(line)["text"].replace("\n- ", " ")
        other += [s for s in SENTENCE.split(text) if len(s) > 40]
    return math, other


def make_corpus(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` documents, a quarter of them math."""
    rng = random.Random(seed)
    math, other = _sentences()
    docs = []
    for i in range(n):
        is_math = rng.random() < 0.25
        pool = math if is_math else other
        text = " ".join(rng.sample(pool, rng.randint(1, 2)))
        docs.append({"id": f"d{i:06d}", "text": text, "math": is_math})
    return docs


def kgsynth_leg(model: Any, path: Path, cfg: FilterConfig, encoder: Any, out: Path) -> Any:
    report = apply_filter(RunFolder(out, "filter"), model, [path], cfg, encoder=encoder)
    import pyarrow.parquet as pq

    return set(pq.read_table(report.kept_path, columns=["id"])["id"].to_pylist())


def raw_leg(model: Any, docs: list[dict[str, Any]], cfg: FilterConfig, st_model: Any) -> Any:
    texts = [d["text"][: cfg.embed_chars] for d in docs]
    vectors = st_model.encode(texts, batch_size=cfg.embed_batch_size,
                              normalize_embeddings=True, convert_to_numpy=True)  # fmt: skip
    scores = model.estimator.predict(vectors)
    return {d["id"] for d, s in zip(docs, scores, strict=True) if s > model.threshold}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=int, default=300, help="documents the model learns")
    parser.add_argument("--order", choices=["kgsynth-first", "raw-first"], default="kgsynth-first")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    cfg = FilterConfig(n_estimators=100, embed_batch_size=64, shard_size=4096)
    docs = make_corpus(args.n, args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-filter-"))
    corpus = work / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": d["id"], "text": d["text"]}) + "\n"
                              for d in docs))  # fmt: skip
    encoder = make_encoder(cfg)
    st_model = encoder._load()  # the loaded SentenceTransformer both legs share
    sample = docs[: args.train]
    x = encoder.encode([d["text"][: cfg.embed_chars] for d in sample])
    y = np.array([8.0 if d["math"] else 3.0 for d in sample])
    model_path = train(cfg, "regressor", x, y, 1).save(work / "model.joblib")
    model = load_model(model_path)

    best: dict[str, float] = {}
    cpu: dict[str, float] = {}
    kept: dict[str, set[str]] = {}
    legs = ["kgsynth", "raw"] if args.order == "kgsynth-first" else ["raw", "kgsynth"]
    for r in range(args.repeat):
        for leg in legs if r % 2 == 0 else legs[::-1]:
            wall, proc = time.perf_counter(), time.process_time()
            if leg == "kgsynth":
                kept[leg] = kgsynth_leg(model, corpus, cfg, encoder, work / f"runs-{r}")
            else:
                kept[leg] = raw_leg(model, docs, cfg, st_model)
            seconds = time.perf_counter() - wall
            if seconds < best.get(leg, float("inf")):
                best[leg], cpu[leg] = seconds, time.process_time() - proc
            print(f"{leg:8s} run {r + 1}: {seconds:7.1f} s  {args.n / seconds:7.1f} docs/s  "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    ratio = best["raw"] / best["kgsynth"]
    figures = {
        "n": args.n, "kgsynth_docs_per_s": args.n / best["kgsynth"],
        "raw_docs_per_s": args.n / best["raw"], "ratio": ratio,
        "cpu_ratio": cpu["raw"] / cpu["kgsynth"], "kept": len(kept["kgsynth"]),
        "same_kept": kept["kgsynth"] == kept["raw"], "load_end": os.getloadavg()[0],
    }  # fmt: skip
    print(json.dumps(figures, indent=2))
    print(f"kgsynth/raw: {ratio:.2f}x wall (goal >= 0.9)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
