"""Benchmark: the generate stage's throughput against the raw backend on the same requests.

Builds a small graph from the bundled annotated corpus (``examples/annotated.jsonl``, topics
and concepts given, so no extraction) in a local ArcadeDB started in a temporary folder,
samples Level-3 concept sets with the sample stage, then, with ONE loaded backend:

1. raw: ``backend.generate`` on the rendered Level-3 question requests (the very requests the
   stage builds: same prompts, schemas and seeds), the replies parsed, then ``generate`` on the
   answer requests for the parsed questions;
2. kgsynth: ``run_generate`` (Level-3) on the same sets: graph reads, prompt rendering,
   generation, parsing, rejects, parquet shards and markers, answers, manifest.

With ``--raw-engine`` (vLLM only) the raw leg skips kgsynth's backend too: it calls the bare
``vllm.LLM.chat`` of the same engine with hand-built ``SamplingParams`` (the reference a vLLM
user would write), so the ratio covers kgsynth's whole path, backend wrapper included.

Both legs draw the same seeds, so they generate the same text. It prints completion tokens per
wall-clock second for both and their ratio (goal: kgsynth / raw >= 0.9). A short warm-up call
(grammar compilation, first-call allocations) runs before either leg; the legs alternate
``--repeats`` times and the best of each counts. On a shared machine other processes move
tok/s by a third between legs, so the kgsynth leg's backend is also wrapped in a timer: the
time spent outside ``generate`` is kgsynth's own overhead, and raw time / (raw time +
overhead) is the ratio without that noise.

    .venv/bin/python bench/bench_generate.py    # CPU, SmolLM2: ~12 min on 2 busy cores
    .venv/bin/python bench/bench_generate.py --backend vllm --device cuda --raw-engine \
        --model Qwen/Qwen2.5-7B-Instruct --prompts 512 --max-new-tokens 512 --batch-size 256
    bench/gpu_check.sh    # the GPU readiness check: vLLM (or transformers on CUDA) vs raw
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgsynth.assets import asset_dir
from kgsynth.config import Settings, llm_config
from kgsynth.graph import GraphRepository, localserver
from kgsynth.graph.connect import Connection
from kgsynth.graph.migrator import Migrator
from kgsynth.llm import LLMBackend, load_backend
from kgsynth.llm.base import ChatRequest, Completion
from kgsynth.llm.vllm_backend import VLLMBackend
from kgsynth.prompts import prompt
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.generate import question_rows, run_generate
from kgsynth.stages.generate.answer import AnswerSampling, answer_requests
from kgsynth.stages.generate.levels import (
    LEVELS,
    Source,
    WorkItem,
    build_items,
    question_requests,
)
from kgsynth.stages.ingest.build import write_batch
from kgsynth.stages.ingest.read import read_documents
from kgsynth.stages.sample import run_sample


class TimedBackend(LLMBackend):
    """Passes calls through to a backend and adds up the seconds spent inside ``generate``,
    so the time a leg spends outside the model (its overhead) can be told apart from load
    noise on a shared machine."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.seconds = 0.0

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        began = time.perf_counter()
        try:
            return self.inner.generate(requests)
        finally:
            self.seconds += time.perf_counter() - began


def load_graph(store: GraphRepository) -> int:
    """The annotated example corpus, written as given (no extraction call)."""
    pairs = []
    for doc in read_documents([asset_dir("examples") / "annotated.jsonl"]):
        assert isinstance(doc, Document) and doc.concepts is not None
        pairs.append((doc, Extraction(doc.id, None, None, doc.concepts)))
    write_batch(store, pairs)
    return len(pairs)


Complete = Callable[[Sequence[ChatRequest]], list[Completion]]


def bare_vllm(engine: Any) -> Complete:
    """Requests straight to a ``vllm.LLM`` with hand-built sampling parameters (the raw leg
    of ``--raw-engine``)."""
    from vllm import SamplingParams
    from vllm.sampling_params import StructuredOutputsParams

    def complete(requests: Sequence[ChatRequest]) -> list[Completion]:
        params = [
            SamplingParams(
                max_tokens=r.max_new_tokens, temperature=r.temperature,
                top_p=r.top_p if r.temperature > 0 else 1.0, seed=r.seed,
                structured_outputs=None if r.json_schema is None else StructuredOutputsParams(
                    json=dict(r.json_schema), disable_any_whitespace=True),
            )
            for r in requests
        ]  # fmt: skip
        outputs = engine.chat([list(r.messages) for r in requests], params, use_tqdm=False)
        return [
            Completion(o.outputs[0].text.strip(), len(o.prompt_token_ids),
                       len(o.outputs[0].token_ids),
                       "stop" if o.outputs[0].finish_reason == "stop" else "length")
            for o in outputs
        ]  # fmt: skip

    return complete


def raw_leg(
    store: GraphRepository,
    settings: Settings,
    sets: object,
    backend: LLMBackend,
    complete: Complete,
) -> tuple[int, float]:
    """The same requests straight through the backend: (completion tokens, seconds).
    Rendering happens before the clock starts; parsing between the calls is timed (it is what
    any caller must do to answer the questions)."""
    template = prompt(LEVELS[3].template)
    rows = sets.to_pylist()  # type: ignore[attr-defined]
    seen: dict[str, int] = {}
    sources = []
    for row in rows:
        sources.append(Source(3, row["set_hash"], seen.get(row["set_hash"], 0), row))
        seen[row["set_hash"]] = seen.get(row["set_hash"], 0) + 1
    items = [i for i in build_items(store, sources, template, settings.generate)
             if isinstance(i, WorkItem)]  # fmt: skip
    requests = question_requests(items, settings)
    answer_template = prompt("answer")
    sampling = AnswerSampling.from_settings(settings)
    began = time.perf_counter()
    completions = complete(requests)
    questions = []
    for item, request, completion in zip(items, requests, completions, strict=True):
        questions += question_rows(item, request, completion, "raw", backend.model_name,
                                   template)[0]  # fmt: skip
    answers = complete(answer_requests(questions, answer_template, sampling))
    seconds = time.perf_counter() - began
    tokens = sum(c.completion_tokens for c in [*completions, *answers])
    return tokens, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["transformers", "vllm"], default="transformers")
    ap.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    ap.add_argument("--model", default="smollm2", help="smollm2 (packaged), a path or hub id")
    ap.add_argument("--prompts", type=int, default=16, help="Level-3 concept sets (calls)")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--questions-per-set", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument(
        "--raw-engine",
        action="store_true",
        help="vllm: the raw leg calls the bare vllm.LLM, not kgsynth's backend",
    )
    ap.add_argument("--tensor-parallel-size", type=int, default=1, help="vllm: GPUs per engine")
    ap.add_argument("--dtype", default="auto", help="vllm: weight dtype (float32 on CPU)")
    ap.add_argument("--max-model-len", type=int, default=None, help="vllm: context length")
    ap.add_argument(
        "--gpu-memory-utilization",
        type=float,
        default=None,
        help="vllm: memory share to reserve (default: kgsynth's)",
    )
    ap.add_argument("--reference-chars", type=int, default=300,
                    help="reference text per article in the prompt (kgsynth default 1500; "
                    "prefill dominates on CPU)")  # fmt: skip
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (1 avoids oversubscription on shared cores)",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=2,
        help="alternate raw/kgsynth this many times; the best of each is reported",
    )
    ap.add_argument("--home", type=Path, default=Settings().home, help="kgsynth home (model cache)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="kgsynth-bench-gen-") as tmp:
        root = Path(tmp)
        home = args.home
        llm = llm_config(backend=args.backend, device=args.device, model=args.model,
                        batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                        threads=args.threads, seed=0,
                        tensor_parallel_size=args.tensor_parallel_size, dtype=args.dtype,
                        max_model_len=args.max_model_len,
                        gpu_memory_utilization=args.gpu_memory_utilization)  # fmt: skip
        settings = Settings(home=home, runs_dir=root / "runs", llm=llm)
        epochs = max(5, args.prompts // 5 + 2)  # the corpus has 7 topics: 7 walks per epoch
        generate = dataclasses.replace(
            settings.generate,
            questions_per_set=args.questions_per_set,
            shard_size=args.prompts,
            reference_chars=args.reference_chars,
        )
        sample = dataclasses.replace(settings.sample, epochs=epochs)
        settings = dataclasses.replace(settings, sample=sample, generate=generate).validate()
        db_home = root / "graph"
        password = localserver.local_password(db_home, None)
        state = localserver.start_server(db_home, password, "graph")
        store = GraphRepository(
            Connection(state.uri, localserver.USER, password, state.database, state)
        )
        try:
            Migrator(store).migrate()
            docs = load_graph(store)
            sample_run = RunFolder(settings.runs_dir, "sample")
            run_sample(store, settings, sample_run)
            sets = sample_run.read_table("concept_sets").slice(0, args.prompts)
            print(f"graph: {docs} documents; {sets.num_rows} concept sets")

            t0 = time.perf_counter()
            backend = load_backend(settings.llm, home)
            print(f"model {backend.model_name} loaded in {time.perf_counter() - t0:.1f} s")
            schema = LEVELS[3].schema(args.questions_per_set)  # compiled once per backend
            backend.generate([
                ChatRequest(messages=({"role": "user", "content": "Say hi."},), max_new_tokens=4),
                ChatRequest(messages=({"role": "user", "content": "Ask."},), json_schema=schema,
                            max_new_tokens=4),
            ])  # fmt: skip
            if args.raw_engine:
                if not isinstance(backend, VLLMBackend):
                    raise SystemExit("--raw-engine needs --backend vllm")
                complete = bare_vllm(backend.engine)
            else:
                complete = backend.generate
            raws, reports, overheads = [], [], []
            for k in range(args.repeats):
                raws.append(raw_leg(store, settings, sets, backend, complete))
                timed = TimedBackend(backend)
                run = RunFolder(settings.runs_dir, "generate")
                reports.append(run_generate(store, settings, run, sets, {3}, timed, timed))
                overheads.append(reports[-1].elapsed_s - timed.seconds)
                print(f"repeat {k + 1}: raw {raws[-1][0] / raws[-1][1]:.1f} tok/s, kgsynth "
                      f"{reports[-1].tokens_per_s:.1f} tok/s, of which {overheads[-1]:.2f} s "
                      "outside the model")  # fmt: skip
            backend.close()
        finally:
            store.close()
            localserver.stop_server(db_home, state)

    raw_tokens, raw_s = min(raws, key=lambda r: r[1] / r[0])
    report = max(reports, key=lambda r: r.tokens_per_s)
    raw_tps = raw_tokens / raw_s
    ratio = report.tokens_per_s / raw_tps
    overhead = min(overheads)
    figures = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "backend": args.backend, "device": args.device, "model": args.model,
        "raw_leg": "bare vllm.LLM" if args.raw_engine else "backend.generate",
        "tensor_parallel_size": args.tensor_parallel_size,
        "prompts": sets.num_rows, "max_new_tokens": args.max_new_tokens,
        "reference_chars": args.reference_chars, "threads": args.threads,
        "repeats": args.repeats,
        "questions": report.questions, "answers": report.answers, "rejected": report.rejected,
        "raw_tokens": raw_tokens, "raw_s": round(raw_s, 2), "raw_tokens_per_s": round(raw_tps, 1),
        "kgsynth_tokens": report.completion_tokens, "kgsynth_s": round(report.elapsed_s, 2),
        "kgsynth_tokens_per_s": round(report.tokens_per_s, 1), "ratio": round(ratio, 3),
        "kgsynth_overhead_s": round(overhead, 2),
        "ratio_from_overhead": round(raw_s / (raw_s + overhead), 3),
    }  # fmt: skip
    print(
        f"raw ({figures['raw_leg']}) : {raw_tokens} tokens in {raw_s:.1f} s = {raw_tps:.1f} tok/s"
    )
    print(f"kgsynth     : {report.completion_tokens} tokens in {report.elapsed_s:.1f} s = "
          f"{report.tokens_per_s:.1f} tok/s ({report.questions} questions, "
          f"{report.answers} answers, {report.rejected} rejected)")  # fmt: skip
    print(f"ratio kgsynth/raw = {ratio:.3f} (goal >= 0.9)")
    print(
        f"kgsynth time outside the model: {overhead:.2f} s; raw time + that overhead gives a "
        f"ratio of {raw_s / (raw_s + overhead):.3f} (insensitive to load from other processes)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
