"""Run folders: ``runs/<run id>/`` with a manifest, rejects and parquet shards with markers.

Every ``ingest``, ``sample`` and ``generate`` invocation gets one. Shards are written to a
temporary name, renamed into place, and then marked done (``_part-NNNNN.done`` beside it holds
its row count; the leading underscore keeps pyarrow and pandas from reading the markers, so a
table folder loads directly with ``pd.read_parquet(folder)``); a re-run with
``--resume RUN_ID`` skips every shard that has its marker, so a crash or Ctrl-C loses at most
the shard in progress and never duplicates rows.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgsynth.errors import InputError
from kgsynth.records import Reject


def new_run_id(kind: str) -> str:
    """``<kind>-YYYYmmdd-HHMMSSffffff-<6 hex>``: sortable by start time (to the microsecond, so
    runs started in the same second still sort in order), unique across machines."""
    return f"{kind}-{datetime.now(UTC):%Y%m%d-%H%M%S%f}-{secrets.token_hex(3)}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class RunFolder:
    """One invocation's output folder. ``resume`` reopens an existing run by id.

    The folder is created by the first thing written into it, so a command that fails
    before producing anything leaves no empty run folder behind.
    """

    def __init__(self, runs_dir: Path, kind: str, run_id: str | None = None) -> None:
        self.kind = kind
        self.resumed = run_id is not None
        self.run_id = run_id or new_run_id(kind)
        self.path = runs_dir / self.run_id
        if self.resumed and not self.path.is_dir():
            raise InputError(f"{self.path}: no such run folder to resume")
        self.rejected: Counter[str] = Counter()

    # -- rejects -----------------------------------------------------------------------
    def reject(self, r: Reject) -> None:
        """Append one rejected row (with its reason) to ``rejects/<stage>.jsonl``."""
        folder = self.path / "rejects"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{r.stage}.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(r), ensure_ascii=False, default=str) + "\n")
        self.rejected[f"{r.stage}: {r.reason.split(' (')[0]}"] += 1

    # -- shards ------------------------------------------------------------------------
    def shard_path(self, table: str, index: int) -> Path:
        folder = self.path / table
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"part-{index:05d}.parquet"

    def marker_path(self, table: str, index: int) -> Path:
        """The completion marker of shard ``index`` (JSON with its row count)."""
        return self.path / table / f"_part-{index:05d}.done"

    def shard_done(self, table: str, index: int) -> bool:
        return self.marker_path(table, index).exists()

    def write_shard(self, table: str, index: int, data: Any) -> Path:
        """Write a pyarrow Table as shard ``index`` of ``table`` and mark it done."""
        import pyarrow.parquet as pq

        path = self.shard_path(table, index)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        pq.write_table(data, tmp)
        os.replace(tmp, path)
        atomic_write_text(self.marker_path(table, index), json.dumps({"rows": data.num_rows}))
        return path

    def read_table(self, table: str) -> Any:
        """All finished shards of ``table`` as one pyarrow Table (in shard order)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = self.path / table
        parts = sorted(
            p for p in folder.glob("part-*.parquet") if (folder / f"_{p.stem}.done").exists()
        )
        if not parts:
            raise InputError(f"{folder}: no finished shards")
        return pa.concat_tables([pq.read_table(p) for p in parts])

    # -- manifest ----------------------------------------------------------------------
    def write_manifest(self, manifest: dict[str, Any]) -> Path:
        path = self.path / "manifest.json"
        body = {"run_id": self.run_id, "kind": self.kind, **manifest}
        if self.rejected:
            body["rejected"] = dict(self.rejected)
        atomic_write_text(path, json.dumps(body, indent=2, default=str, ensure_ascii=False))
        return path


def find_run(runs_dir: Path, kind: str, run_id: str | None) -> RunFolder:
    """An existing run of ``kind`` by id, or else the newest one that produced something (a
    manifest or a finished shard): a folder a failed command left empty is never chosen."""
    if run_id is None:
        found = sorted(p for p in runs_dir.glob(f"{kind}-*") if p.is_dir())
        usable = [p.name for p in found if _has_output(p)]
        if not usable:
            empty = f" ({len(found)} empty)" if found else ""
            raise InputError(
                f"{runs_dir}: no '{kind}' run with output found{empty}; run 'kgsynth {kind}' first"
            )
        run_id = usable[-1]
    return RunFolder(runs_dir, kind if run_id.startswith(kind) else run_id.split("-")[0], run_id)


def _has_output(folder: Path) -> bool:
    return (folder / "manifest.json").is_file() or any(folder.glob("*/_part-*.done"))
