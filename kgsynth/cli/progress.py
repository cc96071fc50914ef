"""Progress for long work: a Rich bar on a terminal, plain lines when stderr is not one.

Every bar shows count, share done, rate, elapsed time and ETA. Piped or logged output (CI, a
batch job, ``2> run.log``) gets the same figures as one plain line every
:data:`PLAIN_EVERY_S` seconds and a last line when the work ends, instead of nothing.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

PLAIN_EVERY_S = 10.0
"""Seconds between two plain progress lines when stderr is not a terminal."""


Advance = Callable[..., None]
"""``advance(n=1, total=None, completed=None, step=None, note="")``: add ``n`` done, or set
the number done to ``completed`` (running totals). ``step`` names a sub-step with its own count
and total (dedup's embed, search, merge), shown as its own bar; ``note`` replaces the rate
(e.g. "2.0 prompts/s, 51 tokens/s")."""


@contextmanager
def progress_bar(
    description: str, total: int | None, console: Console, every_s: float = PLAIN_EVERY_S
) -> Iterator[Advance]:
    """Progress on ``console`` (stderr): a bar on a terminal, else plain lines."""
    plain = not console.is_terminal
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
    progress = Progress(*columns, console=console, transient=False, disable=plain)
    tasks: dict[str | None, TaskID] = {None: progress.add_task(description, total=total, rate="")}
    named: set[str] = set()
    shown: dict[TaskID, tuple[float, float | None]] = {}  # what each task's last line said
    last_line = time.monotonic()
    last_report = progress.get_time()

    def emit(task: TaskID) -> None:
        """A plain line for ``task``, unless its last line already said the same."""
        t = progress.tasks[task]
        if plain and shown.get(task) != (t.completed, t.total):
            shown[task] = (t.completed, t.total)
            _line(console, progress, task)

    def task_for(step: str | None) -> TaskID:
        if step is None or step in tasks:
            return tasks[step]
        first = tasks[None]
        if not named and not progress.tasks[first].completed:  # the first step takes the bar
            progress.update(first, description=f"{description}: {step}")
            tasks[step] = first
        else:
            emit(_latest(tasks))  # the step before ends here
            tasks[step] = progress.add_task(f"{description}: {step}", total=None, rate="")
            # A step's clock starts when the one before it last reported, not at its own
            # first report (which comes after its first chunk of work).
            progress.tasks[-1].start_time = last_report
        named.add(step)
        return tasks[step]

    def advance(
        n: int = 1,
        total: int | None = None,
        completed: int | None = None,
        step: str | None = None,
        note: str = "",
    ) -> None:
        nonlocal last_line, last_report
        task = task_for(step)
        if total is not None:
            progress.update(task, total=total)
        if completed is None:
            progress.advance(task, n)
        else:
            progress.update(task, completed=completed)
        last_report = progress.get_time()
        t = progress.tasks[task]
        if note or t.elapsed:
            progress.update(task, rate=note or f"{t.completed / (t.elapsed or 1):.1f}/s")
        if time.monotonic() - last_line >= every_s:
            emit(task)
            last_line = time.monotonic()

    with progress:
        yield advance
        emit(_latest(tasks))


def _latest(tasks: dict[str | None, TaskID]) -> TaskID:
    return list(tasks.values())[-1]


def _line(console: Console, progress: Progress, task_id: TaskID) -> None:
    """One plain progress line for ``task_id``."""
    t = progress.tasks[task_id]
    count = f"{t.completed:,.0f}" if t.total is None else f"{t.completed:,.0f}/{t.total:,.0f}"
    share = f" ({t.percentage:.0f}%)" if t.total else ""
    elapsed = _clock(t.elapsed)
    eta = ""
    if t.total and t.completed and t.elapsed:  # at the average rate so far
        eta = f", ETA {_clock(t.elapsed * (t.total - t.completed) / t.completed)}"
    rate = f", {t.fields['rate']}" if t.fields.get("rate") else ""
    console.print(
        f"{t.description}: {count}{share}{rate}, elapsed {elapsed}{eta}",
        markup=False, highlight=False,
    )  # fmt: skip


def _clock(seconds: float | None) -> str:
    return str(datetime.timedelta(seconds=round(seconds or 0)))
