"""What a generate run will do: every level's inputs, cut into numbered shards.

Levels 1-2 read every document in the graph in id order (``generate.max_documents`` caps
them); Level-3 reads the rows of the sample run's ``concept_sets`` table in table order
(``generate.max_sets`` caps them). Shards are numbered across levels 1, 2, 3 in that order;
shard N of the ``questions`` and ``qa`` tables always holds the same inputs.

The plan is written to ``generate_plan.json`` when a run starts (with the settings, models and
prompt hashes that decide its rows); a resume with a different plan is refused, since its
shards would not line up with the finished ones.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from kgsynth.errors import InputError
from kgsynth.runs import atomic_write_text
from kgsynth.stages.generate.levels import LEVELS, Source, parse_levels
from kgsynth.tables import GENERATE_SET_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository
    from kgsynth.runs import RunFolder

PLAN_FILE = "generate_plan.json"


@dataclass(frozen=True)
class Shard:
    """Inputs ``start:stop`` of one level's input list, written as shard ``index``."""

    index: int
    level: int
    start: int
    stop: int


@dataclass(frozen=True)
class Plan:
    """Every level's inputs (document ids or set hashes, with occurrence numbers) and shards."""

    keys: dict[int, list[tuple[str, int]]]
    shards: list[Shard]
    sets: pa.Table | None

    @property
    def levels(self) -> list[int]:
        return sorted(self.keys)

    def sources(self, shard: Shard) -> list[Source]:
        keys = self.keys[shard.level][shard.start : shard.stop]
        if LEVELS[shard.level].inputs == "documents":
            return [Source(shard.level, k, n) for k, n in keys]
        assert self.sets is not None
        rows = self.sets.slice(shard.start, shard.stop - shard.start).to_pylist()
        return [Source(shard.level, k, n, row) for (k, n), row in zip(keys, rows, strict=True)]


def make_plan(
    store: GraphRepository, settings: Settings, sets_table: pa.Table | None, levels: set[int]
) -> Plan:
    """The inputs of each requested level, cut into shards (checked before any model call)."""
    chosen = parse_levels(levels)
    cfg = settings.generate
    keys: dict[int, list[tuple[str, int]]] = {}
    sets = None
    document_levels = [lv.number for lv in chosen if lv.inputs == "documents"]
    set_levels = [lv.number for lv in chosen if lv.inputs == "concept_sets"]
    if document_levels:
        ids = store.document_ids()[: cfg.max_documents]
        if not ids:
            raise InputError("the graph holds no documents; run 'kgsynth ingest' first")
        for number in document_levels:
            keys[number] = [(d, 0) for d in ids]
    if set_levels:
        sets = _check_sets(sets_table, cfg.max_sets)
        seen: Counter[str] = Counter()
        set_keys = []
        for h in sets.column("set_hash").to_pylist():
            set_keys.append((h, seen[h]))
            seen[h] += 1
        for number in set_levels:
            keys[number] = list(set_keys)
    shards: list[Shard] = []
    for level in sorted(keys):
        for start in range(0, len(keys[level]), cfg.shard_size):
            stop = min(start + cfg.shard_size, len(keys[level]))
            shards.append(Shard(len(shards), level, start, stop))
    return Plan(keys, shards, sets)


def _check_sets(sets_table: pa.Table | None, max_sets: int | None) -> pa.Table:
    if sets_table is None:
        raise InputError("Level-3 needs a concept_sets table; run 'kgsynth sample' first")
    missing = [c for c in GENERATE_SET_COLUMNS if c not in sets_table.column_names]
    if missing:
        raise InputError(
            f"the concept_sets table lacks column(s) {missing}; found {sets_table.column_names}"
        )
    sets = sets_table.select(list(GENERATE_SET_COLUMNS))
    sets = sets.slice(0, max_sets) if max_sets is not None else sets
    if sets.num_rows == 0:
        raise InputError("the concept_sets table is empty; nothing to write questions for")
    return sets


# -- the plan file -------------------------------------------------------------------------
def plan_body(
    plan: Plan, settings: Settings, models: dict[str, str], prompts: dict[str, str]
) -> dict[str, Any]:
    """Everything that decides a run's rows: inputs, shard cut, settings, models, prompts
    (``models``: role -> model name; ``prompts``: template name -> sha256)."""
    llm = settings.llm
    digests = {
        str(level): hashlib.sha256(json.dumps(keys).encode("utf-8")).hexdigest()
        for level, keys in plan.keys.items()
    }
    return {
        "levels": plan.levels,
        "inputs": {str(level): len(keys) for level, keys in plan.keys.items()},
        "inputs_sha256": digests,
        "shards": len(plan.shards),
        "generate": asdict(settings.generate),
        "sampling": {
            "temperature": llm.temperature,
            "top_p": llm.top_p,
            "max_new_tokens": llm.max_new_tokens,
            "seed": llm.seed,
        },
        "models": dict(models),
        "prompts": dict(prompts),
        "domain": settings.prompts.domain,
    }


def check_plan(run: RunFolder, body: dict[str, Any]) -> None:
    """Write the plan of a new run, or refuse to resume a run that was planned differently."""
    path = run.path / PLAN_FILE
    if not path.is_file():
        atomic_write_text(path, json.dumps(body, indent=2, sort_keys=True))
        return
    before = json.loads(path.read_text(encoding="utf-8"))
    changed = sorted(k for k in body.keys() | before.keys() if body.get(k) != before.get(k))
    if changed:
        raise InputError(
            f"{run.path}: this run was started with different {', '.join(changed)}; resume "
            "it with the same inputs, settings, models and prompts, or start a new run"
        )
