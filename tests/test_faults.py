"""Fault injection: kill the CLI (SIGKILL) or its graph server at seeded moments, interrupt the
whole process group (SIGINT), then re-run and compare with an uninterrupted run.

Every test runs ``python -m kgsynth.cli.app`` as a subprocess on its own local ArcadeDB
(``KGSYNTH_HOME`` in tmp), so the real server lifecycle is exercised: start-up, sharing,
the server stopping itself when its users are killed. Marker ``faults`` (``pytest -m faults``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli_process import Home, kill_group, write_corpus

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        os.environ.get("KGSYNTH_FAULTS") != "1",
        reason="opt-in (several minutes): KGSYNTH_FAULTS=1 pytest -m faults, or make test-faults",
    ),
]

SEED = 14
DOCS = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "docs.jsonl", DOCS, seed=SEED)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, Any]:
    """The graph after one uninterrupted ingest of the corpus."""
    home = Home(tmp_path_factory.mktemp("reference"))
    done = home.run("ingest", "--no-dedup", str(corpus))
    assert done.returncode == 0, done.stderr
    home.wait_no_server()
    return home.state()


@pytest.fixture
def home(tmp_path: Path):  # type: ignore[no-untyped-def]
    h = Home(tmp_path)
    yield h
    h.kill_servers()  # never leave a server behind, whatever the test did


def _ingest(home: Home, corpus: Path) -> subprocess.Popen[str]:
    return home.start("ingest", "--no-dedup", str(corpus))


def test_kill_during_server_startup_leaves_nothing_behind(
    home: Home, corpus: Path, reference: dict[str, Any]
) -> None:
    """kill -9 while the server is starting: it stops itself; the next command starts afresh."""
    cli = _ingest(home, corpus)
    home.wait_for("server.pid")  # the server process runs, not yet ready or recorded
    kill_group(cli)
    assert home.wait_no_server() < 15
    done = home.run("ingest", "--no-dedup", str(corpus))
    assert done.returncode == 0, done.stderr
    assert "stopping a local graph server" not in done.stderr  # it had gone by itself
    assert home.state() == reference


def test_seeded_kills_during_ingest_then_resume(
    home: Home, corpus: Path, reference: dict[str, Any]
) -> None:
    """Three SIGKILLs at seeded moments (start-up included); the re-run equals a clean run."""
    rng = random.Random(SEED)
    for delay in [0.0, rng.uniform(0.5, 3.0), rng.uniform(2.0, 5.0)]:
        cli = _ingest(home, corpus)
        home.wait_for("server.json" if delay else "server.pid")
        time.sleep(delay)
        kill_group(cli)
        assert home.wait_no_server() < 15  # the orphaned server stops by itself
    done = home.run("ingest", "--no-dedup", str(corpus))
    assert done.returncode == 0, done.stderr
    assert home.state() == reference


def test_graph_server_killed_mid_ingest(
    home: Home, corpus: Path, reference: dict[str, Any]
) -> None:
    cli = _ingest(home, corpus)
    home.wait_for("server.json")
    time.sleep(1.5)
    home.kill_servers()
    began = time.monotonic()
    _, err = cli.communicate(timeout=60)
    assert time.monotonic() - began < 15  # no minute of driver retries
    assert cli.returncode == 3, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "re-run it to resume" in errors[0], err
    assert "Traceback" not in err
    done = home.run("ingest", "--no-dedup", str(corpus))
    assert done.returncode == 0, done.stderr
    assert home.state() == reference


@pytest.mark.parametrize("moment", ["start-up", "mid-run"])
def test_sigint_to_the_process_group(
    moment: str, home: Home, corpus: Path, reference: dict[str, Any]
) -> None:
    """Ctrl-C in a terminal: rc 130 and a resume hint, not a database error; no server left."""
    cli = _ingest(home, corpus)
    home.wait_for("server.pid" if moment == "start-up" else "server.json")
    time.sleep(0.0 if moment == "start-up" else 1.0)
    _, err = kill_group(cli, signal.SIGINT)
    assert cli.returncode == 130, err
    assert "re-run to resume" in err and "error:" not in err, err
    home.wait_no_server()
    done = home.run("ingest", "--no-dedup", str(corpus))
    assert done.returncode == 0, done.stderr
    assert home.state() == reference


def test_two_commands_on_one_home_share_the_server(tmp_path: Path, home: Home) -> None:
    """Two ingests at once: neither stops the server under the other; the last one stops it."""
    a = write_corpus(tmp_path / "a.jsonl", 300, seed=1)
    b = tmp_path / "b.jsonl"
    b.write_text(a.read_text().replace('"id": "d', '"id": "b'))
    first = _ingest(home, a)
    home.wait_for("server.json")
    second = _ingest(home, b)
    for cli in (first, second):
        _, err = cli.communicate(timeout=300)
        assert cli.returncode == 0, err
    home.wait_no_server(timeout=10)
    one_after_the_other = Home(tmp_path / "sequential")
    for corpus in (a, b):
        assert one_after_the_other.run("ingest", "--no-dedup", str(corpus)).returncode == 0
    assert home.state() == one_after_the_other.state()  # no lost or doubled count
    assert home.state()["counts"]["documents"] == 600


def test_password_from_the_environment_is_kept(home: Home, corpus: Path) -> None:
    """A password given once is stored; later commands without it, or with a new one while no
    server runs, still connect."""
    small = corpus.parent / "small.jsonl"
    small.write_text("".join(corpus.read_text().splitlines(keepends=True)[:5]))
    for password in ("first-pw", "", "second-pw", ""):
        done = home.run("ingest", "--no-dedup", str(small), KGSYNTH_NEO4J_PASSWORD=password)
        assert done.returncode == 0, done.stderr
    assert (home.home / "local-password").read_text() == "second-pw"


def test_leftover_server_is_cleared_with_a_message(home: Home, corpus: Path) -> None:
    """A server process no command can use (its starter still 'alive' but it never got
    recorded) holds the database: the next command stops it and says so."""
    import sys

    home.home.mkdir(parents=True)
    owner = subprocess.Popen(["sleep", "120"])
    try:
        from kgsynth.graph.leases import Proc
        from kgsynth.graph.localserver import _free_port

        leftover = subprocess.Popen(
            [sys.executable, "-m", "kgsynth.graph.serverproc", "--home", str(home.home),
             "--database", "graph", "--bolt-port", str(_free_port()),
             "--http-port", str(_free_port()),
             "--owner", Proc.of(owner.pid).name],
            env={**home.env(), "KGSYNTH_LOCAL_SERVER_PASSWORD": "x"}, cwd=home.home,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        home.wait_for("server.pid")
        done = home.run("ingest", "--no-dedup", str(corpus))
        assert done.returncode == 0, done.stderr
        assert f"stopping a local graph server (pid {leftover.pid}) left by a killed" in done.stderr
        assert leftover.wait(timeout=30) is not None
    finally:
        owner.kill()
        owner.wait()
        if os.path.exists(f"/proc/{leftover.pid}"):
            leftover.kill()


def _newest(home: Home, kind: str) -> Path:
    return sorted(home.runs.glob(f"{kind}-*"))[-1]


RUN_NAMED = ("run_id", "question_id", "sample_run_id")  # differ between any two runs


def _rows(run: Path, table: str) -> list[tuple[Any, ...]]:
    import pyarrow.parquet as pq

    if not (run / table).is_dir():
        return []
    data = pq.read_table(run / table)
    data = data.drop_columns([c for c in RUN_NAMED if c in data.column_names]).to_pylist()
    return sorted(tuple(sorted((k, repr(v)) for k, v in r.items())) for r in data)


def _pipeline_env(tiny_llama_folder: Path) -> dict[str, str]:
    return {
        "KGSYNTH_LLM_BACKEND": "transformers", "KGSYNTH_LLM_MODEL": str(tiny_llama_folder),
        "KGSYNTH_LLM_DEVICE": "cpu", "KGSYNTH_LLM_BATCH_SIZE": "2", "KGSYNTH_DEDUP_DEVICE": "cpu",
        "KGSYNTH_GENERATE_MAX_SETS": "6", "KGSYNTH_SAMPLE_MAX_SETS": "40",
    }  # fmt: skip


STEPS = [
    ("dedup", ["dedup"]),
    ("sample", ["sample", "--seed", "3"]),
    ("generate", ["generate", "--seed", "3", "--max-sets", "6"]),
]


@pytest.mark.model
def test_seeded_kills_in_dedup_sample_and_generate(
    tmp_path: Path, corpus: Path, tiny_llama_folder: Path
) -> None:
    """dedup, sample and generate (tiny Llama) each SIGKILLed at a seeded moment, then re-run
    (generate with --resume): graph, concept sets and question/answer rows equal a clean run."""
    env = _pipeline_env(tiny_llama_folder)
    clean, faulty = Home(tmp_path / "clean"), Home(tmp_path / "faulty")
    rng = random.Random(SEED)
    try:
        for h in (clean, faulty):
            assert h.run("ingest", "--no-dedup", str(corpus), **env).returncode == 0
        for kind, args in STEPS:
            done = clean.run(*args, **env)
            assert done.returncode == 0, done.stderr
            cli = faulty.start(*args, **env)
            faulty.wait_for("server.json")
            time.sleep(rng.uniform(0.5, 4.0))
            kill_group(cli)
            faulty.wait_no_server()
            again = args  # a generate run that wrote something is resumed, else started afresh
            if kind == "generate" and list(faulty.runs.glob("generate-*")):
                again = [*args, "--resume", _newest(faulty, kind).name]
            done = faulty.run(*again, **env)
            assert done.returncode == 0, done.stderr
            if kind == "dedup":
                assert faulty.state() == clean.state()
            else:
                table = "concept_sets" if kind == "sample" else "qa"
                expected = _rows(_newest(clean, kind), table)
                assert _rows(_newest(faulty, kind), table) == expected and expected
    finally:
        clean.kill_servers()
        faulty.kill_servers()
