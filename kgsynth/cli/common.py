"""What every command shares: settings from the context, error handling, progress bars,
and announced model loading."""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from rich.console import Console
from rich.text import Text

from kgsynth.cli import progress
from kgsynth.cli.progress import Advance
from kgsynth.config import LLMConfig, Settings, mask, mask_uri
from kgsynth.errors import KgsynthError

if TYPE_CHECKING:
    from kgsynth.llm import LLMBackend

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
def progress_bar(description: str, total: int | None) -> Iterator[Advance]:
    """Progress on stderr: a Rich bar on a terminal, plain lines otherwise (see
    :mod:`kgsynth.cli.progress`); yields ``advance(n, total=, completed=, step=, note=)``.
    A remembered Ctrl-C is raised again at the next update."""
    with progress.progress_bar(description, total, err_console) as advance:

        def checked(*args: Any, **kwargs: Any) -> None:
            if _ctrl_c.is_set():
                raise KeyboardInterrupt
            advance(*args, **kwargs)

        yield cast(Advance, checked)


LOAD_HINTS = {
    "vllm": "; the engine start takes a minute or more",
    "ray": "; each replica loads its own copy",
}


def load_model(cfg: LLMConfig, home: Path, model: str | None = None) -> LLMBackend:
    """:func:`kgsynth.llm.load_backend`, announced: loading a model (and starting an engine)
    is long and silent, so a plain line on stderr says what is happening and another how long
    it took, also when stderr is not a terminal."""
    from kgsynth.llm import load_backend

    name = model or cfg.model
    where = f" at {mask_uri(cfg.openai.base_url or '')}" if cfg.backend == "openai" else ""
    err_console.print(
        f"loading model {name} ({cfg.backend} backend{where}){LOAD_HINTS.get(cfg.backend, '')}",
        markup=False, highlight=False,
    )  # fmt: skip
    start = time.perf_counter()
    backend = load_backend(cfg, home, model)
    err_console.print(f"model ready in {time.perf_counter() - start:.0f} s", highlight=False)
    return backend


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
