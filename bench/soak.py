"""Soak: repeated ``ingest`` + ``sample`` runs against ONE local graph server; does anything grow?

Starts a detached local server (``kgsynth db start``) in a temporary home on loopback, then
runs the CLI as subprocesses in rounds: each round ingests the same documents again (skipped
as already present) and samples; with ``--grow`` each round ingests a fresh slice instead, so
the graph grows. After every round it records the server's resident memory, threads, open
file descriptors and the Bolt connections still established. Stops by itself after
``--rounds`` or ``--max-seconds``, stops the server, and prints a table plus the growth from
the first half of the rounds to the second (a leak shows as steady growth, not one step).

    PYTHONPATH=. python bench/soak.py --rounds 12 --docs 200
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from statistics import mean

from tests.cli_process import Home, write_corpus


def server_facts(pid: int, bolt_port: int) -> dict[str, float]:
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
        "threads": int(status["Threads"]),
        "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
        "bolt_connections": established(bolt_port),
    }


def established(port: int) -> int:
    """Server-side TCP connections in ESTABLISHED state on ``port`` (IPv4 and IPv6)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                count += 1
    return count


def soak(rounds: int, docs: int, max_seconds: float, grow: bool) -> list[dict[str, float]]:
    root = Path(tempfile.mkdtemp(prefix="kgsynth-soak-"))
    home = Home(root)
    started = home.run("db", "start")
    if started.returncode != 0:
        raise SystemExit(started.stderr)
    state = json.loads((home.home / "server.json").read_text())
    rows: list[dict[str, float]] = []
    began = time.monotonic()
    try:
        rows.append({"round": 0, "seconds": 0.0, **server_facts(state["pid"], state["bolt_port"])})
        for r in range(1, rounds + 1):
            part = r if grow else 1
            corpus = write_corpus(root / f"slice-{part}.jsonl", docs, seed=part)
            corpus.write_text(corpus.read_text().replace('"id": "d', f'"id": "r{part}-d'))
            for args in (["ingest", "--no-dedup", str(corpus)], ["sample", "--seed", str(r)]):
                done = home.run(*args)
                if done.returncode != 0:
                    raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
            time.sleep(1.0)  # let closed connections settle
            facts = server_facts(state["pid"], state["bolt_port"])
            rows.append({"round": r, "seconds": round(time.monotonic() - began, 1), **facts})
            if time.monotonic() - began > max_seconds:
                break
    finally:
        home.run("db", "stop")
        home.kill_servers()
        shutil.rmtree(root, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--docs", type=int, default=200, help="documents ingested per round")
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--grow", action="store_true", help="a fresh slice of documents per round")
    args = parser.parse_args()
    rows = soak(args.rounds, args.docs, args.max_seconds, args.grow)
    keys = ["round", "seconds", "rss_mb", "threads", "fds", "bolt_connections"]
    print(" ".join(f"{k:>16}" for k in keys))
    for row in rows:
        print(" ".join(f"{row[k]:>16.1f}" for k in keys))
    measured = rows[1:]
    half = len(measured) // 2
    if half:
        for k in keys[2:]:
            first = mean(r[k] for r in measured[:half])
            second = mean(r[k] for r in measured[half:])
            print(f"{k}: first half {first:.1f}, second half {second:.1f} ({second - first:+.1f})")


if __name__ == "__main__":
    main()
