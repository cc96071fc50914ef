"""The kgsynth CLI as a real subprocess on its own local graph: start, kill, observe, compare.

Used by the fault-injection suite and bench/soak.py. Each :class:`Home` is one
``KGSYNTH_HOME`` (its own local ArcadeDB) with its own runs folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def write_corpus(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` pre-extracted documents whose topics and concepts overlap (no LLM needed)."""
    import random

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            topics = sorted({f"topic {rng.randrange(6)}" for _ in range(2)})
            concepts = {t: sorted({f"idea {rng.randrange(60)}" for _ in range(3)}) for t in topics}
            doc = {"id": f"d{i}", "text": f"document {i} about {topics}", "topics": topics}
            f.write(json.dumps({**doc, "concepts": concepts}) + "\n")
    return path


@dataclass
class Home:
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KGSYNTH_")}
        env.update(
            PYTHONPATH=str(REPO), KGSYNTH_HOME=str(self.home), KGSYNTH_RUNS_DIR=str(self.runs),
            HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", KGSYNTH_LLM_THREADS="1",
        )  # fmt: skip
        env.update(extra)
        return env

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """The CLI in its own process group (like a terminal job), output kept in memory."""
        self.root.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            [sys.executable, "-m", "kgsynth.cli.app", *args], env=self.env(**env), cwd=self.root,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip

    def run(self, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
        proc = self.start(*args, **env)
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def wait_for(self, name: str, timeout: float = 120) -> None:
        """Until ``<home>/name`` exists."""
        deadline = time.monotonic() + timeout
        while not (self.home / name).exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.home / name} did not appear")
            time.sleep(0.02)

    def server_pids(self) -> list[int]:
        """Live local-server processes of this home (found by their command line)."""
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
                state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            ours = b"kgsynth.graph.serverproc" in args and str(self.home).encode() in args
            if ours and state != "Z":
                pids.append(int(proc.name))
        return pids

    def wait_no_server(self, timeout: float = 20) -> float:
        """Seconds until no server of this home runs (raises after ``timeout``)."""
        began = time.monotonic()
        while self.server_pids():
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"local server(s) {self.server_pids()} still running")
            time.sleep(0.1)
        return time.monotonic() - began

    def kill_servers(self) -> None:
        for pid in self.server_pids():
            os.kill(pid, signal.SIGKILL)

    def state(self) -> dict[str, Any]:
        """Graph counts and every CO_OCCURS edge with its count (via the local server)."""
        import dataclasses

        from kgsynth.config import Settings
        from kgsynth.graph import open_graph

        settings = dataclasses.replace(Settings(), home=self.home, runs_dir=self.runs)
        with open_graph(settings) as store:
            counts = store.read("graph_counts")[0]
            edges = store.read("explore/cooccurrence_counts")
        return {"counts": counts, "edges": sorted((e["a"], e["b"], e["count"]) for e in edges)}


def kill_group(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> tuple[str, str]:
    """Send ``sig`` to the CLI's whole process group and collect its output."""
    os.killpg(proc.pid, sig)
    return proc.communicate(timeout=120)
