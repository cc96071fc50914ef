"""The local server's lifecycle rules: process identity, leases, the home lock, the watchdog's
decision, the stored password, and sharing one server between users in one process."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest

from kgsynth.config import Settings
from kgsynth.errors import ConfigError
from kgsynth.graph import localserver, open_graph
from kgsynth.graph.leases import LOCK_FILE, Proc, add_lease, home_lock, live_leases, try_lock
from kgsynth.graph.serverproc import keep_running


def _dead_child() -> Proc:
    """A process that has exited but is not yet reaped (a zombie): it must count as gone."""
    child = subprocess.Popen(["true"])
    proc = Proc.of(child.pid)
    while Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        pass
    return proc


def test_process_identity() -> None:
    me = Proc.me()
    assert me.alive() and Proc.parse(me.name + "-abcd") == me
    assert not Proc(me.pid, me.start + 1).alive()  # same pid, another start: a recycled pid
    assert not _dead_child().alive()
    assert Proc.parse("garbage") is None


def test_stale_leases_are_pruned(tmp_path: Path) -> None:
    mine = add_lease(tmp_path)
    stale = add_lease(tmp_path, _dead_child())
    assert live_leases(tmp_path) == [Proc.me()]
    assert mine.exists() and not stale.exists()


def test_home_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    fd = os.open(tmp_path / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        with home_lock(tmp_path):
            assert not try_lock(fd)
        assert try_lock(fd)
    finally:
        os.close(fd)


def _record(home: Path, proc: Proc, detached: bool = False) -> None:
    state = localserver.ServerState(proc.pid, 1, 2, "graph", detached, proc.start)
    (home / localserver.STATE_FILE).write_text(json.dumps(dataclasses.asdict(state)))


def test_watchdog_rules(tmp_path: Path) -> None:
    me, dead = Proc.me(), _dead_child()
    # not yet recorded (starting): lives exactly as long as its starter
    assert keep_running(tmp_path, me, owner=me)
    assert not keep_running(tmp_path, me, owner=dead)
    # recorded, detached (`kgsynth db start`): lives without users
    _record(tmp_path, me, detached=True)
    assert keep_running(tmp_path, me, owner=dead)
    # recorded, not detached: lives while a live lease exists, else forgets itself and stops
    _record(tmp_path, me)
    lease = add_lease(tmp_path)
    assert keep_running(tmp_path, me, owner=dead)
    lease.unlink()
    add_lease(tmp_path, dead)  # a killed user's lease does not count
    with home_lock(tmp_path):  # a command is adopting it right now: decide later
        assert keep_running(tmp_path, me, owner=dead)
    assert not keep_running(tmp_path, me, owner=dead)
    assert not (tmp_path / localserver.STATE_FILE).exists()
    # a record naming another process is not ours
    _record(tmp_path, Proc(me.pid, me.start + 1))
    assert not keep_running(tmp_path, me, owner=None)


def test_password_given_once_is_kept(tmp_path: Path) -> None:
    assert localserver.local_password(tmp_path, "given") == "given"
    assert localserver.local_password(tmp_path, None) == "given"  # later commands without it
    assert (tmp_path / "local-password").stat().st_mode & 0o777 == 0o600
    generated = localserver.local_password(tmp_path / "other", None)
    assert (
        len(generated) >= 20 and localserver.local_password(tmp_path / "other", None) == generated
    )


def test_users_share_one_server_and_the_last_stops_it(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), home=tmp_path / "home", runs_dir=tmp_path / "r")
    with open_graph(settings) as outer:
        state = outer.connection.local
        assert state is not None and state.proc.alive()
        with open_graph(settings) as inner:  # a second user: same server
            assert inner.connection.local == state
        assert state.proc.alive()  # the inner user's end did not stop it under the outer
        outer.write("clear_graph")
        override = dataclasses.replace(
            settings, neo4j=dataclasses.replace(settings.neo4j, password="different")
        )
        refused = pytest.raises(ConfigError, match="differs from the root password of the running")
        with refused, open_graph(override):
            pass
    assert not state.proc.alive()
    assert not (settings.home / localserver.STATE_FILE).exists()
    assert live_leases(settings.home) == []


def test_cli_killed_during_server_startup_leaves_no_server(tmp_path: Path) -> None:
    """kill -9 of a command while its server starts: the server stops by itself (the seeded
    kills, re-runs and comparisons are in test_faults.py, opt-in)."""
    from tests.cli_process import Home, kill_group, write_corpus

    home = Home(tmp_path)
    try:
        cli = home.start("ingest", "--no-dedup", str(write_corpus(tmp_path / "d.jsonl", 3)))
        home.wait_for(localserver.PID_FILE)
        kill_group(cli)
        assert home.wait_no_server(timeout=30) < 30
    finally:
        home.kill_servers()
