"""The concept graph at paper scale, through the CLI: ``kgsynth ingest`` then
``kgsynth sample --epochs 1`` on a generated corpus shaped like the paper's (bench/corpus.py:
100k documents with pre-extracted concepts, about 5 topics and 25 key concepts each, names
Zipf-popular from 32k topics and 200k concepts), all of it times ``--scale``.

A local ArcadeDB is started with ``kgsynth db start`` in a temporary home and stopped at the
end. Reported per phase: wall time, CO_OCCURS edges/s and relationships/s (ingest), sets/s of
the walk alone and end to end (with references and persistence), and the peak resident
memory of the CLI process and of the graph server (a Python process hosting the JVM).
Ingest runs with ``--no-dedup`` (dedup is measured by bench_dedup).

    .venv/bin/python bench/bench_scale.py --scale 0.05     # a quick look
    .venv/bin/python bench/bench_scale.py                  # the paper's size
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus  # noqa: E402
from kgsynth.graph import localserver  # noqa: E402


class Peak:
    """Peak RSS of a process (and its children), sampled every 0.2 s in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                p = psutil.Process(self.pid)
                rss = p.memory_info().rss + sum(
                    c.memory_info().rss for c in p.children(recursive=True)
                )
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**30


def cli(args: list[str], env: dict[str, str], server_pid: int) -> tuple[float, float, float, str]:
    """Run one kgsynth command; (wall s, CLI peak GiB, server peak GiB, output)."""
    server = Peak(server_pid)
    t0 = time.perf_counter()
    command = [sys.executable, "-m", "kgsynth.cli.app", *args]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    mine = Peak(proc.pid)
    out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    peak_cli, peak_server = mine.stop(), server.stop()
    if proc.returncode:
        raise SystemExit(f"kgsynth {' '.join(args)} failed ({proc.returncode}):\n{out[-3000:]}")
    return wall, peak_cli, peak_server, out


def manifest(runs: Path, stage: str) -> dict:
    (latest,) = sorted(runs.glob(f"*{stage}*"))[-1:]
    return json.loads((latest / "manifest.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n_docs, n_topics, n_concepts = (max(10, int(x * a.scale)) for x in (100_000, 32_000, 200_000))
    print(f"scale {a.scale}: {n_docs} documents, {n_topics} topics, {n_concepts} concepts; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kgsynth-scale-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "KGSYNTH_HOME": str(home / "home"),
               "KGSYNTH_RUNS_DIR": str(home / "runs")}  # fmt: skip
        for k in [k for k in env if k.startswith("KGSYNTH_NEO4J_")]:
            del env[k]
        t0 = time.perf_counter()
        path = home / "corpus.jsonl"
        corpus.write_jsonl(path, corpus.documents(n_docs, n_topics, n_concepts, seed=a.seed))
        print(f"corpus written in {time.perf_counter() - t0:.0f} s", flush=True)
        started = subprocess.run([sys.executable, "-m", "kgsynth.cli.app", "db", "start"],
                                 env=env, capture_output=True, text=True)  # fmt: skip
        if started.returncode:
            raise SystemExit(f"kgsynth db start failed: {started.stdout}{started.stderr}")
        state = localserver.running_server(home / "home")
        assert state is not None
        try:
            wall, cli_gb, server_gb, _ = cli(["ingest", str(path), "--no-dedup"], env, state.pid)
            m = manifest(home / "runs", "ingest")
            g, r = m["graph"], m["report"]
            co = g["topic_edges"] + g["topic_concept_edges"] + g["concept_edges"]
            rels = co + g["mentions"] + g["document_topics"] + g["topic_concepts"]
            print(f"ingest: {wall:.0f} s wall; {g['documents']} documents, {g['topics']} topics, "
                  f"{g['concepts']} concepts, {rels} relationships ({rels / wall:,.0f}/s), "
                  f"{co} CO_OCCURS edges counted in {r['counting_s']:.0f} s "
                  f"({co / r['counting_s']:,.0f} edges/s; {r['counting']}); "
                  f"peak memory CLI {cli_gb:.2f} GiB, server {server_gb:.2f} GiB")  # fmt: skip
            wall, cli_gb, server_gb, _ = cli(["sample", "--epochs", "1"], env, state.pid)
            m = manifest(home / "runs", "sample")
            c, t = m["counts"], m["timings"]
            print(f"sample: {wall:.0f} s wall; {c['walks']} walks, {c['sets']} sets; walk arrays "
                  f"{t['arrays_s']:.0f} s; walk alone {c['walks'] / t['walk_s']:,.0f} sets/s; "
                  f"references {t['references_s']:.0f} s, persistence {t['persist_s']:.0f} s; "
                  f"end to end {c['sets'] / wall:,.0f} sets/s; "
                  f"peak memory CLI {cli_gb:.2f} GiB, server {server_gb:.2f} GiB")  # fmt: skip
        finally:
            subprocess.run([sys.executable, "-m", "kgsynth.cli.app", "db", "stop"], env=env,
                           capture_output=True)  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
