"""What every command shares: settings from the context, error handling, progress bars."""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from kgsynth.config import Settings, mask
from kgsynth.errors import KgsynthError

# markup off: paths, topics, reasons and config section names are user text, printed as is.
console = Console(soft_wrap=True, markup=False)
err_console = Console(stderr=True, soft_wrap=True, markup=False)

F = TypeVar("F", bound=Callable[..., Any])


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    if not isinstance(settings, Settings):
        raise KgsynthError("settings were not loaded (internal error)")
    return settings


def handle_errors(fn: F) -> F:
    """Turn kgsynth errors into one line on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = kwargs.get("ctx")
        secrets: list[str | None] = []
        if ctx is not None and isinstance(ctx.obj, Settings):
            secrets = [ctx.obj.neo4j.password, ctx.obj.llm.openai.api_key]
        try:
            with _ctrl_c_remembered():
                return fn(*args, **kwargs)
        except KgsynthError as e:
            print_error(mask(str(e), secrets))
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted: finished batches and shards are kept; re-run to resume")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


_ctrl_c = threading.Event()


@contextmanager
def _ctrl_c_remembered() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt as usual and is also remembered, because Python drops
    an exception raised inside a finalizer or weakref callback (an import lock's, say): the
    next progress update raises it again, so a Ctrl-C is never lost."""
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) == signal.SIG_IGN:  # e.g. under nohup
        yield
        return

    def on_sigint(signum: int, frame: Any) -> None:
        _ctrl_c.set()
        raise KeyboardInterrupt

    _ctrl_c.clear()
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def print_error(message: str) -> None:
    """``error: <message>`` on stderr, one line, the message printed as plain text."""
    err_console.print(Text.assemble(("error:", "red"), " ", mask(message, [])), highlight=False)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A rich progress bar (count, rate, ETA) on stderr; plain lines when it is not a terminal.

    Yields ``advance(n, total=None, completed=None)``: add ``n`` done, or set the number done
    to ``completed`` for stages that report running totals.
    """
    if not err_console.is_terminal:
        yield from _progress_lines(description, total)
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        task = progress.add_task(description, total=total, rate="")

        def advance(n: int = 1, total: int | None = None, completed: int | None = None) -> None:
            if _ctrl_c.is_set():
                raise KeyboardInterrupt
            if total is not None:
                progress.update(task, total=total)
            if completed is None:
                progress.advance(task, n)
            else:
                progress.update(task, completed=completed)
            t = progress.tasks[task]
            if t.elapsed:
                progress.update(task, rate=f"{t.completed / t.elapsed:.1f}/s")

        yield advance


PROGRESS_LINE_SECONDS = 10.0  # without a terminal: one progress line at most this often


def _progress_lines(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    """Progress for logs and pipes: a line (count, rate, ETA) every few seconds and at the end."""
    started = time.monotonic()
    done, whole, printed = 0, total, started

    def line() -> None:
        nonlocal printed
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed > 0 else 0.0
        text = f"{description}: {done}" + (f"/{whole}" if whole else "")
        text += f" ({rate:.1f}/s, {elapsed:.0f}s elapsed"
        if whole and rate > 0 and done < whole:
            text += f", ETA {(whole - done) / rate:.0f}s"
        err_console.print(text + ")", highlight=False, markup=False)
        printed = time.monotonic()

    def advance(n: int = 1, total: int | None = None, completed: int | None = None) -> None:
        nonlocal done, whole
        if _ctrl_c.is_set():
            raise KeyboardInterrupt
        if total is not None:
            whole = total
        done = completed if completed is not None else done + n
        if time.monotonic() - printed >= PROGRESS_LINE_SECONDS:
            line()

    yield advance
    line()


def configure_logging(level: str) -> None:
    value = getattr(logging, level.upper(), logging.WARNING)
    logging.basicConfig(level=value, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The driver logs every retry and dropped connection; kgsynth reports the outcome as one
    # line, so the driver's own messages are shown only when asked for (--verbose / DEBUG).
    logging.getLogger("neo4j").setLevel(value if value <= logging.INFO else logging.CRITICAL)


# Option types shared by several commands.
Backend = Annotated[
    str | None, typer.Option(help="LLM backend: transformers | vllm | openai | ray.")
]
Device = Annotated[str | None, typer.Option(help="auto | cpu | cuda.")]
Level = Annotated[
    list[int] | None,
    typer.Option("--level", "-l", help="Question level(s): 1, 2, 3 (repeat for a mix)."),
]
