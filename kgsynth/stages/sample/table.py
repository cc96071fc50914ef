"""One shard of a sample run's ``concept_sets`` table (schema in :mod:`kgsynth.tables`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from kgsynth.tables import CONCEPT_SETS_SCHEMA

if TYPE_CHECKING:
    from kgsynth.stages.sample import CandidateSet


def sets_table(
    run_id: str, seed: int, sets: list[CandidateSet], refs: dict[str, list[tuple[str, float]]]
) -> pa.Table:
    """The ``concept_sets`` shard of ``sets`` with their reference documents."""
    rows = [
        {
            "run_id": run_id,
            "set_hash": c.hash,
            "topics": [n.name for n in c.topics],
            "topic_keys": [n.key for n in c.topics],
            "concepts": [n.name for n in c.concepts],
            "concept_keys": [n.key for n in c.concepts],
            "walk_path": c.walk.path,
            "dead_end": c.walk.dead_end,
            "reference_doc_ids": [d for d, _ in refs.get(c.hash, [])],
            "reference_scores": [s for _, s in refs.get(c.hash, [])],
            "epoch": c.walk.epoch,
            "start_topic": c.walk.start.key,
            "seed": seed,
        }
        for c in sets
    ]
    return pa.Table.from_pylist(rows, schema=CONCEPT_SETS_SCHEMA)
