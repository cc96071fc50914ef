"""The local server process: ``python -m kgsynth.graph.serverproc`` (started by localserver).

Runs ArcadeDB until SIGTERM/SIGINT, or until nobody can use it any more. A watchdog thread
checks twice a second:

* before the server is recorded in ``<home>/server.json`` it lives only while the command
  that started it (``--owner``) lives, so a kill -9 during start-up leaves no orphan;
* once recorded, a detached server (``kgsynth db start``) lives until ``kgsynth db stop``;
  any other lives while at least one live process holds a lease, so when the last user is
  killed the server forgets itself (under the home lock, so no command adopts it meanwhile)
  and stops.

The root password comes from the environment and is applied afresh at every start (the
users file is rewritten), so ``<home>/local-password`` is always the password that works.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from kgsynth.graph.leases import LOCK_FILE, Proc, live_leases, try_lock
from kgsynth.graph.localserver import PASSWORD_ENV, PID_FILE, STATE_FILE, read_state

WATCH_INTERVAL_S = 0.5


def keep_running(home: Path, me: Proc, owner: Proc | None) -> bool:
    """The watchdog's rule (see the module docstring)."""
    state = read_state(home)
    if state is None or state.proc != me:
        return owner is not None and owner.alive()
    if state.detached or live_leases(home):
        return True
    fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not try_lock(fd):
            return True  # a command is starting or adopting: decide on the next tick
        if live_leases(home):
            return True
        (home / STATE_FILE).unlink(missing_ok=True)  # nobody can adopt it from now on
        return False
    finally:
        os.close(fd)


def _watch(home: Path, me: Proc, owner: Proc | None, stop: threading.Event) -> None:
    while not stop.wait(WATCH_INTERVAL_S):
        if not keep_running(home, me, owner):
            stop.set()


def _forget(home: Path, me: Proc) -> None:
    (home / f"ready-{me.pid}").unlink(missing_ok=True)
    state = read_state(home)
    if state is not None and state.proc == me:
        (home / STATE_FILE).unlink(missing_ok=True)
    try:
        if json.loads((home / PID_FILE).read_text(encoding="utf-8"))["pid"] == me.pid:
            (home / PID_FILE).unlink()
    except (OSError, ValueError, KeyError):
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kgsynth.graph.serverproc")
    parser.add_argument("--home", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--owner", default="", help="pid-start of the starting command")
    args = parser.parse_args(argv)
    password = os.environ.pop(PASSWORD_ENV, None)
    if not password:
        sys.exit(f"{PASSWORD_ENV} must be set")
    home = Path(args.home)
    me = Proc.me()
    (home / PID_FILE).write_text(json.dumps({"pid": me.pid, "start": me.start}), encoding="utf-8")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(
        target=_watch, args=(home, me, Proc.parse(args.owner), stop), daemon=True
    ).start()
    try:
        _serve(home / "arcadedb", args, password, stop)
    finally:
        _forget(home, me)


def _serve(root: Path, args: argparse.Namespace, password: str, stop: threading.Event) -> None:
    import arcadedb_embedded as adb

    (root / "config" / "server-users.jsonl").unlink(missing_ok=True)  # re-created with password
    server = adb.create_server(
        root_path=str(root),
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": args.http_port,
            "bolt_port": args.bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        },
    )
    server.start()
    try:
        if stop.is_set():
            return
        if not adb.database_exists(str(root / args.database)):
            server.create_database(args.database)
        else:
            server.get_database(args.database)
        Path(f"ready-{os.getpid()}").touch()
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
