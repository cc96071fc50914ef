"""The local graph server: ArcadeDB with its Bolt plugin, run in a child process.

With no ``KGSYNTH_NEO4J_URI``, kgsynth keeps its graph in ArcadeDB under ``<home>/arcadedb``.
The server runs in its own process (``python -m kgsynth.graph.localserver``) with its working
directory in ``<home>`` so its logs land in ``<home>/log``; it listens on loopback only.
A command that needs the graph reuses a server started by ``kgsynth db start`` (recorded in
``<home>/server.json``) or starts one for its own duration and stops it at the end.

The root password of the local server is generated once and kept in ``<home>/local-password``
(mode 0600) unless ``KGSYNTH_NEO4J_PASSWORD`` is set; it is passed to the child through its
environment, never on its command line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from kgsynth.errors import GraphUnavailableError

PASSWORD_ENV = "KGSYNTH_LOCAL_SERVER_PASSWORD"
USER = "root"
STATE_FILE = "server.json"


@dataclass(frozen=True)
class ServerState:
    pid: int
    bolt_port: int
    http_port: int
    database: str
    detached: bool

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"


def local_password(home: Path, override: str | None) -> str:
    """The local server's root password (generated on first use unless overridden)."""
    if override:
        return override
    path = home / "local-password"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password)
    return password


def running_server(home: Path) -> ServerState | None:
    """The server recorded in ``<home>/server.json`` if its process is alive and listening."""
    path = home / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = ServerState(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        path.unlink(missing_ok=True)
        return None
    if _alive(state.pid) and _listening(state.bolt_port):
        return state
    if not _alive(state.pid):
        path.unlink(missing_ok=True)
    return None


def start_server(
    home: Path,
    password: str,
    database: str,
    bolt_port: int | None = None,
    http_port: int | None = None,
    detached: bool = False,
    timeout: float = 90.0,
) -> ServerState:
    """Start ArcadeDB in a child process and wait until Bolt accepts connections.

    Ports default to free ephemeral ones. ``detached`` servers outlive this process
    (``kgsynth db start``); the others are stopped by :func:`stop_server`.
    """
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    existing = running_server(home)
    if existing is not None:
        raise GraphUnavailableError(
            f"a local server for {home} is already running (pid {existing.pid}, "
            f"{existing.uri}); stop it with 'kgsynth db stop'"
        )
    bolt = bolt_port or _free_port()
    http = http_port or _free_port()
    for port in (bolt, http):
        if _listening(port):
            raise GraphUnavailableError(
                f"port {port} on 127.0.0.1 is already in use; choose another with "
                "KGSYNTH_NEO4J_BOLT_PORT / KGSYNTH_NEO4J_HTTP_PORT"
            )
    cmd = [
        sys.executable, "-m", "kgsynth.graph.localserver",
        "--root", str(home / "arcadedb"), "--database", database,
        "--bolt-port", str(bolt), "--http-port", str(http),
    ]  # fmt: skip
    env = {**os.environ, PASSWORD_ENV: password}
    log = open(home / "server.out", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        cmd, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=detached,
    )  # fmt: skip
    log.close()
    state = ServerState(proc.pid, bolt, http, database, detached)
    deadline = time.monotonic() + timeout
    ready = home / f"ready-{proc.pid}"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise GraphUnavailableError(
                f"the local ArcadeDB server exited during start (code {proc.returncode}); "
                f"see {home / 'server.out'}"
            )
        if ready.exists() and _listening(bolt):
            ready.unlink(missing_ok=True)
            (home / STATE_FILE).write_text(json.dumps(asdict(state)), encoding="utf-8")
            return state
        time.sleep(0.2)
    proc.kill()
    raise GraphUnavailableError(
        f"the local ArcadeDB server did not start within {timeout:.0f} s; see {home / 'server.out'}"
    )


def stop_server(home: Path, state: ServerState, timeout: float = 30.0) -> None:
    """Stop a server started by :func:`start_server` and forget it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(state.pid):
        time.sleep(0.1)
    if _alive(state.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.pid, signal.SIGKILL)
    path = home.resolve() / STATE_FILE
    with contextlib.suppress(FileNotFoundError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == state.pid:
            path.unlink()


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)  # reaps our own exited children
        if waited == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(argv: list[str] | None = None) -> None:
    """Child-process entry: run ArcadeDB until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m kgsynth.graph.localserver")
    parser.add_argument("--root", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    args = parser.parse_args(argv)
    password = os.environ.pop(PASSWORD_ENV, None)
    if not password:
        sys.exit(f"{PASSWORD_ENV} must be set")

    import arcadedb_embedded as adb

    server = adb.create_server(
        root_path=args.root,
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": args.http_port,
            "bolt_port": args.bolt_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        },
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    try:
        if not adb.database_exists(str(Path(args.root) / args.database)):
            server.create_database(args.database)
        else:
            server.get_database(args.database)
        Path(f"ready-{os.getpid()}").touch()
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    _serve()
