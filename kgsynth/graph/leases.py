"""Who uses the local graph server: process identities, lease files, locks, and stopping a
process.

Every kgsynth process that uses the local server holds a lease: an empty file
``<home>/leases/<pid>-<start time>-<token>`` (one per use, so uses within one process count
separately). A lease whose process is gone (killed with -9, a crashed interpreter) is stale;
the server's watchdog and every later command treat it as absent. Starting, adopting and
stopping the server happen under ``<home>/server.lock``, and write transactions under
``<home>/write.lock``: ``fcntl`` locks that the kernel releases when their holder dies, so a
killed command never leaves a lock behind.

A process is named by its pid and its start time (``/proc/<pid>/stat``), so a recycled pid
is not mistaken for the process that once held it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kgsynth.errors import GraphUnavailableError

log = logging.getLogger(__name__)

LEASES = "leases"
LOCK_FILE = "server.lock"


@dataclass(frozen=True)
class Proc:
    """A process by pid and start time (0 where the platform does not tell)."""

    pid: int
    start: int

    @classmethod
    def of(cls, pid: int) -> Proc:
        return cls(pid, start_time(pid) or 0)

    @classmethod
    def me(cls) -> Proc:
        return cls.of(os.getpid())

    @property
    def name(self) -> str:
        return f"{self.pid}-{self.start}"

    @classmethod
    def parse(cls, name: str) -> Proc | None:
        pid, start, *_ = [*name.split("-"), ""]
        return cls(int(pid), int(start)) if pid.isdigit() and start.isdigit() else None

    def alive(self) -> bool:
        """True while this very process runs (a zombie or a recycled pid counts as gone)."""
        stat = _stat(self.pid)
        if stat is None:
            return _signalable(self.pid) and self.start == 0
        state, start = stat
        return state not in {"Z", "X"} and (self.start == 0 or start == self.start)


def start_time(pid: int) -> int | None:
    stat = _stat(pid)
    return stat[1] if stat else None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks) from /proc, or None without /proc or process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()  # the command name may hold spaces
    return fields[0], int(fields[19])


def terminate(proc: Proc, grace: float) -> None:
    """SIGTERM, wait up to ``grace`` seconds (reaping our own child), then SIGKILL."""
    if not proc.alive():
        reap(proc.pid)
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        reap(proc.pid)
        if not proc.alive():
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    reap(proc.pid)


def reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _signalable(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- leases --------------------------------------------------------------------------------
def add_lease(home: Path, proc: Proc | None = None) -> Path:
    folder = home / LEASES
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{(proc or Proc.me()).name}-{secrets.token_hex(4)}"
    path.touch()
    return path


def live_leases(home: Path, prune: bool = True) -> list[Proc]:
    """The processes holding a lease now; stale lease files are removed when ``prune``."""
    live = []
    folder = home / LEASES
    for path in folder.glob("*") if folder.is_dir() else ():
        proc = Proc.parse(path.name)
        if proc is not None and proc.alive():
            live.append(proc)
        elif prune:
            path.unlink(missing_ok=True)
    return live


# -- the home lock -------------------------------------------------------------------------
@contextlib.contextmanager
def home_lock(home: Path, timeout: float = 180.0) -> Iterator[None]:
    """Hold ``<home>/server.lock``; wait (saying so once) while another command holds it."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not try_lock(fd):
            log.warning(
                "another kgsynth command is starting or stopping the local graph server "
                "under %s; waiting for it", home
            )  # fmt: skip
            deadline = time.monotonic() + timeout
            while not try_lock(fd):
                if time.monotonic() > deadline:
                    raise GraphUnavailableError(
                        f"another kgsynth command has held {home / LOCK_FILE} for "
                        f"{timeout:.0f} s; try again when it has finished"
                    )
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``fcntl`` lock on ``path`` (waiting for it) for the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
