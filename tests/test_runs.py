"""Run folders: shards with markers, readable as a plain parquet dataset; rejects; manifests."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kgsynth.errors import InputError
from kgsynth.records import Reject
from kgsynth.runs import RunFolder, find_run


def test_shards_markers_and_direct_reading(tmp_path: Path) -> None:
    run = RunFolder(tmp_path, "generate")
    assert run.run_id.startswith("generate-")
    assert not run.path.exists()  # created by the first write: a failed command leaves none
    run.write_shard("qa", 0, pa.table({"x": [1, 2]}))
    run.write_shard("qa", 1, pa.table({"x": [3]}))
    # a shard written but never marked done (a crash between the two) is not read
    pq.write_table(pa.table({"x": [99]}), run.shard_path("qa", 2))
    assert run.shard_done("qa", 1) and not run.shard_done("qa", 2)
    assert run.read_table("qa").column("x").to_pylist() == [1, 2, 3]
    assert json.loads(run.marker_path("qa", 0).read_text()) == {"rows": 2}
    # the markers do not break reading the folder as a parquet dataset (pandas does the same)
    (run.path / "qa" / "part-00002.parquet").unlink()
    assert sorted(pq.read_table(run.path / "qa").column("x").to_pylist()) == [1, 2, 3]


def test_rejects_and_manifest(tmp_path: Path) -> None:
    run = RunFolder(tmp_path, "ingest")
    run.reject(Reject("ingest", "a.jsonl:3", "malformed JSON (Expecting value, column 1)", "{x"))
    run.reject(Reject("ingest", "a.jsonl:4", "malformed JSON (Expecting value, column 2)", "{y"))
    rows = [json.loads(x) for x in (run.path / "rejects" / "ingest.jsonl").read_text().splitlines()]
    assert [r["source"] for r in rows] == ["a.jsonl:3", "a.jsonl:4"]
    manifest = json.loads(run.write_manifest({"params": {"seed": 1}}).read_text())
    assert manifest["run_id"] == run.run_id and manifest["params"] == {"seed": 1}
    assert manifest["rejected"] == {"ingest: malformed JSON": 2}


def test_find_run_newest_and_by_id(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no 'sample' run with output found"):
        find_run(tmp_path, "sample", None)
    (tmp_path / "sample-20260101-000000-aaaaaa").mkdir()
    (tmp_path / "sample-20260101-000000-aaaaaa" / "manifest.json").write_text("{}")
    (tmp_path / "sample-20260102-000000-bbbbbb").mkdir()  # killed before its manifest, with
    killed = RunFolder(tmp_path, "sample", "sample-20260102-000000-bbbbbb")  # a finished shard
    killed.write_shard("concept_sets", 0, pa.table({"x": [1]}))
    (tmp_path / "sample-20260103-000000-cccccc").mkdir()  # left empty by a failed run: skipped
    assert find_run(tmp_path, "sample", None).run_id == "sample-20260102-000000-bbbbbb"
    assert find_run(tmp_path, "sample", "sample-20260101-000000-aaaaaa").resumed
    ids = [RunFolder(tmp_path / "x", "ingest").run_id for _ in range(20)]
    assert ids == sorted(ids) and len(set(ids)) == 20  # same-second runs still sort in order
    with pytest.raises(InputError, match="no such run folder"):
        RunFolder(tmp_path, "sample", "sample-nope")
