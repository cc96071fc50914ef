"""The local graph server: ArcadeDB with its Bolt plugin, run in a child process.

With no ``KGSYNTH_NEO4J_URI``, kgsynth keeps its graph in ArcadeDB under ``<home>/arcadedb``.
The server runs in its own process and session (``python -m kgsynth.graph.serverproc``, so a
Ctrl-C in the terminal reaches kgsynth, not the server) with its working directory in
``<home>``; it listens on loopback only.

Lifecycle (leases, see :mod:`kgsynth.graph.leases`): every command that uses the server holds
a lease; the first one starts the server, later ones on the same home share it, and the last
one to finish stops it. ``kgsynth db start`` starts a *detached* server that outlives every
lease until ``kgsynth db stop``. The server watches its users: a server whose starter dies
before it is ready, or whose last lease holder dies (kill -9), stops itself within about a
second, so no orphan keeps the database locked. A left-over server that is not recorded in
``<home>/server.json`` (or no longer answers) is cleared by the next command, which says so.

The root password lives in ``<home>/local-password`` (mode 0600): generated on first use, or
``KGSYNTH_NEO4J_PASSWORD`` when set (stored so later commands need not repeat it). Each start
applies it afresh; it reaches the child through its environment, never its command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from kgsynth.errors import ConfigError, GraphUnavailableError
from kgsynth.graph.leases import Proc, add_lease, home_lock, live_leases, terminate

log = logging.getLogger(__name__)

PASSWORD_ENV = "KGSYNTH_LOCAL_SERVER_PASSWORD"
USER = "root"
STATE_FILE = "server.json"  # the ready server: written by its starter, read by every command
PID_FILE = "server.pid"  # written by the server process itself as it begins
PASSWORD_FILE = "local-password"
WRITE_LOCK_FILE = "write.lock"


@dataclass(frozen=True)
class ServerState:
    pid: int
    bolt_port: int
    http_port: int
    database: str
    detached: bool
    start: int = 0  # the server process's start time (see leases.Proc)
    home: str = ""

    @property
    def write_lock(self) -> Path:
        """Held around each write transaction: ArcadeDB's MERGE is not safe against a
        concurrent MERGE of the same key, so commands sharing the server write in turn."""
        return Path(self.home) / WRITE_LOCK_FILE

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    @property
    def proc(self) -> Proc:
        return Proc(self.pid, self.start)


def local_password(home: Path, override: str | None) -> str:
    """The root password the next start applies: ``override`` (then stored) or the stored one,
    generated on first use."""
    path = home / PASSWORD_FILE
    stored = stored_password(home)
    password = override or stored or secrets.token_urlsafe(18)
    if password != stored:
        home.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{PASSWORD_FILE}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(password)
        os.replace(tmp, path)
    return password


def stored_password(home: Path) -> str | None:
    path = home / PASSWORD_FILE
    return path.read_text(encoding="utf-8").strip() or None if path.is_file() else None


def read_state(home: Path) -> ServerState | None:
    try:
        return ServerState(**json.loads((home / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def running_server(home: Path) -> ServerState | None:
    """The server recorded in ``<home>/server.json`` if its process is alive and listening."""
    state = read_state(home)
    if state is not None and state.proc.alive() and _listening(state.bolt_port):
        return state
    return None


@contextlib.contextmanager
def use_local_server(
    home: Path, password_override: str | None, database: str
) -> Iterator[tuple[ServerState, str]]:
    """Share the home's server for the ``with`` block (starting it if needed): yields its
    state and root password; the last user of a server it started stops it."""
    home = home.resolve()
    with home_lock(home):
        state = running_server(home)
        if state is not None:
            password = stored_password(home) or ""
            if password_override and password_override != password:
                raise ConfigError(
                    "KGSYNTH_NEO4J_PASSWORD differs from the root password of the running "
                    f"local server (kept in {home / PASSWORD_FILE}); unset it, or stop the "
                    "server with 'kgsynth db stop' so the next start applies it"
                )
            lease = add_lease(home)
        else:
            clear_leftover(home)
            password = local_password(home, password_override)
            log.info("starting the local ArcadeDB server under %s", home)
            state, lease = _start(home, password, database)
    try:
        yield state, password
    finally:
        release(home, state, lease)


def release(home: Path, state: ServerState, lease: Path) -> None:
    """Drop ``lease``; stop the (non-detached) server when no live lease remains."""
    lease.unlink(missing_ok=True)
    if state.detached:
        return
    with home_lock(home):
        current = read_state(home)
        if current is not None and current.proc == state.proc and current.detached:
            return  # `kgsynth db start` adopted it meanwhile
        if not live_leases(home):
            stop_server(home, state)


def detach(home: Path, state: ServerState) -> ServerState:
    """Keep a running server after its users end (``kgsynth db start`` on a shared one)."""
    home = home.resolve()
    with home_lock(home):
        kept = dataclasses.replace(state, detached=True)
        _write_state(home, kept)
    return kept


def _write_state(home: Path, state: ServerState) -> None:
    tmp = home / f".{STATE_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(tmp, home / STATE_FILE)


def clear_leftover(home: Path) -> None:
    """Stop a server process of this home that no command can use (called under the lock):
    one a killed command was starting, or a recorded one that no longer answers."""
    for name in (STATE_FILE, PID_FILE):
        try:
            info = json.loads((home / name).read_text(encoding="utf-8"))
            proc = Proc(int(info["pid"]), int(info.get("start", 0)))
        except (OSError, ValueError, TypeError, KeyError):
            continue
        if proc.alive():
            log.warning(
                "stopping a local graph server (pid %d) left by a killed kgsynth command", proc.pid
            )
            terminate(proc, grace=15.0)
    (home / STATE_FILE).unlink(missing_ok=True)


def start_server(
    home: Path,
    password: str,
    database: str,
    bolt_port: int | None = None,
    http_port: int | None = None,
    detached: bool = False,
    timeout: float = 90.0,
) -> ServerState:
    """Start ArcadeDB for this process and wait until Bolt accepts connections.

    The caller holds a lease until :func:`stop_server`. Ports default to free ephemeral ones.
    ``detached`` servers outlive every lease (``kgsynth db start``).
    """
    home = home.resolve()
    with home_lock(home):
        existing = running_server(home)
        if existing is not None:
            raise GraphUnavailableError(
                f"a local server for {home} is already running (pid {existing.pid}, "
                f"{existing.uri}); stop it with 'kgsynth db stop'"
            )
        clear_leftover(home)
        ports = (bolt_port, http_port)
        return _start(home, password, database, ports=ports, detached=detached, timeout=timeout)[0]


Ports = tuple[int | None, int | None]  # (bolt, http); None: a free ephemeral port


def _start(
    home: Path, password: str, database: str, *, ports: Ports = (None, None),
    detached: bool = False, timeout: float = 90.0,
) -> tuple[ServerState, Path]:  # fmt: skip
    """Spawn the server (under the home lock) with a lease for this process; wait for it."""
    bolt = ports[0] or _free_port()
    http = ports[1] or _free_port()
    for port in (bolt, http):
        if _listening(port):
            raise GraphUnavailableError(
                f"port {port} on 127.0.0.1 is already in use; choose another with "
                "KGSYNTH_NEO4J_BOLT_PORT / KGSYNTH_NEO4J_HTTP_PORT"
            )
    lease = add_lease(home)  # before the child exists: it watches us
    cmd = [
        sys.executable, "-m", "kgsynth.graph.serverproc",
        "--home", str(home), "--database", database,
        "--bolt-port", str(bolt), "--http-port", str(http), "--owner", Proc.me().name,
    ]  # fmt: skip
    env = {**os.environ, PASSWORD_ENV: password}
    (home / f"ready-{os.getpid()}").unlink(missing_ok=True)
    with open(home / "server.out", "ab") as log_file:
        proc = subprocess.Popen(
            cmd, cwd=home, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    state = ServerState(
        proc.pid, bolt, http, database, detached, Proc.of(proc.pid).start, str(home)
    )
    ready = home / f"ready-{proc.pid}"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise GraphUnavailableError(
                    f"the local ArcadeDB server exited during start (code {proc.returncode}); "
                    f"see {home / 'server.out'}"
                )
            if ready.exists() and _listening(bolt):
                ready.unlink(missing_ok=True)
                _write_state(home, state)
                return state, lease
            time.sleep(0.1)
        raise GraphUnavailableError(
            f"the local ArcadeDB server did not start within {timeout:.0f} s; "
            f"see {home / 'server.out'}"
        )
    except BaseException:  # a failed start or a Ctrl-C: leave nothing running
        lease.unlink(missing_ok=True)
        terminate(state.proc, grace=10.0)
        raise


def stop_server(home: Path, state: ServerState, timeout: float = 30.0) -> None:
    """Stop the server and forget it; drops this process's leases on it."""
    home = home.resolve()
    me = Proc.me().name + "-"
    for lease in (home / "leases").glob(me + "*"):
        lease.unlink(missing_ok=True)
    terminate(state.proc, grace=timeout)
    with contextlib.suppress(OSError, ValueError):
        if json.loads((home / STATE_FILE).read_text(encoding="utf-8")).get("pid") == state.pid:
            (home / STATE_FILE).unlink()


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
