"""Progress output: plain lines when stderr is not a terminal, one bar per sub-step, totals
that match what was done."""

from __future__ import annotations

import io
import time

from rich.console import Console

from kgsynth.cli.progress import progress_bar


def _plain() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def test_not_a_terminal_gets_plain_lines_with_count_rate_and_eta() -> None:
    console, out = _plain()
    with progress_bar("generate", None, console, every_s=0) as advance:
        advance(2, total=4, note="1.5 prompts/s, 40 tokens/s")
        advance(2, total=4, note="1.6 prompts/s, 41 tokens/s")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("generate: 2/4 (50%), 1.5 prompts/s, 40 tokens/s, elapsed 0:00:00")
    assert "ETA" in lines[0]
    assert lines[-1].startswith("generate: 4/4 (100%), 1.6 prompts/s, 41 tokens/s")
    assert all("\x1b" not in line for line in lines)  # no terminal control codes


def test_plain_lines_are_spaced_in_time() -> None:
    console, out = _plain()
    with progress_bar("ingest", 100, console, every_s=3600) as advance:
        for _ in range(100):
            advance()
    assert out.getvalue().splitlines() == [out.getvalue().splitlines()[0]]  # only the last one
    assert out.getvalue().startswith("ingest: 100/100 (100%)")


def test_steps_get_their_own_totals() -> None:
    """Running totals of three steps (dedup: embed, search, merge) must not add up into one
    bar that ends past its total (the old "556/30 100%")."""
    console, out = _plain()
    with progress_bar("dedup", None, console, every_s=3600) as advance:
        for done in (256, 500):
            advance(completed=done, total=500, step="embed")
        advance(completed=500, total=500, step="search")
        for done in (10, 30):
            advance(completed=done, total=30, step="merge")
    assert out.getvalue().splitlines() == [
        line for line in out.getvalue().splitlines() if line.split(",")[0].endswith("(100%)")
    ]
    assert [line.split(" (")[0] for line in out.getvalue().splitlines()] == [
        "dedup: embed: 500/500",
        "dedup: search: 500/500",
        "dedup: merge: 30/30",
    ]


def test_a_terminal_gets_the_bar() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with progress_bar("sample walks", None, console) as advance:
        advance(completed=5, total=10)
        advance(completed=10, total=10)
    assert "sample walks" in out.getvalue() and "10/10" in out.getvalue()


def test_a_state_is_printed_once_and_a_step_is_timed_from_the_one_before() -> None:
    console, out = _plain()
    with progress_bar("dedup", None, console, every_s=0) as advance:
        advance(completed=62, total=62, step="embed")
        time.sleep(0.3)  # the search runs...
        advance(completed=62, total=62, step="search")  # ...and reports once, at its end
    lines = out.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "dedup: embed: 62/62",
        "dedup: search: 62/62",
    ]
    search_rate = float(lines[1].split(", ")[1].removesuffix("/s"))
    assert search_rate < 1000  # 62 in about 0.3 s, not 62 in no time
