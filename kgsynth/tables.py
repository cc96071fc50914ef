"""Every parquet table that crosses a stage boundary, and the stable identities of rows.

``sample`` writes ``concept_sets`` (:data:`CONCEPT_SETS_SCHEMA`), which ``generate`` reads.

A generate run writes two sharded tables into its run folder, with the same shard numbering:

- ``questions``: one row per parsed question (stage 2), every column of :data:`QA_SCHEMA`
  except the ``answer*`` ones;
- ``qa``: the same rows with their answers (stage 3): the table users want.

Column meanings (one row = one question and its answer):

- ``question_id``: stable hash of run id, level, source and position (:func:`question_id`).
- ``level``: 1, 2 or 3 (docs/method.md, "Question levels").
- ``selected_concepts``: the concepts the model says it combined (empty for Level-1).
- ``concepts`` / ``topics``: the concepts and topics the prompt offered (Level-3: the concept
  set; Levels 1-2: the document's extracted concepts and topics).
- ``set_hash`` and ``sample_run_id``: the concept set and the sample run (Level-3, else null);
  ``source_doc_id``: the document (Levels 1-2, else null).
- ``reference_doc_ids``: documents whose text was in the prompt (Levels 1-2: the source).
- ``walk_path``: the random walk that produced the set (Level-3, else empty).
- ``question_prompt`` / ``answer_prompt``: template names, with the sha256 of each file.
- ``temperature``, ``top_p``, ``max_new_tokens``, ``seed``: the question request's sampling;
  ``answer_temperature``, ``answer_max_new_tokens``, ``answer_seed``: the answer request's
  (it shares ``top_p``).
- ``prompt_tokens`` / ``completion_tokens``: the question CALL's token counts. One call can
  yield several questions, which then carry the same counts; ``question_index`` (0, 1, ...)
  is the position within the call, so summing over ``question_index == 0`` counts each call
  once. ``answer_prompt_tokens`` / ``answer_completion_tokens`` are per answer.
- ``orig_tag`` (``original`` | ``new``) and ``school_level``: Level-1 only, else null.
- ``answer_finish_reason``: ``stop``, or ``length`` when the answer hit its token budget (a
  truncated answer is kept, flagged; :mod:`kgsynth.stages.export` leaves it out by default).
"""

from __future__ import annotations

import hashlib

import pyarrow as pa

_LIST = pa.list_(pa.string())

QA_SCHEMA = pa.schema(
    [
        pa.field("question_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("level", pa.int8(), nullable=False),
        pa.field("question", pa.string(), nullable=False),
        pa.field("answer", pa.string()),
        pa.field("selected_concepts", _LIST),
        pa.field("concepts", _LIST),
        pa.field("topics", _LIST),
        pa.field("set_hash", pa.string()),
        pa.field("source_doc_id", pa.string()),
        pa.field("reference_doc_ids", _LIST),
        pa.field("walk_path", _LIST),
        pa.field("question_model", pa.string()),
        pa.field("answer_model", pa.string()),
        pa.field("question_prompt", pa.string()),
        pa.field("question_prompt_sha256", pa.string()),
        pa.field("answer_prompt", pa.string()),
        pa.field("answer_prompt_sha256", pa.string()),
        pa.field("temperature", pa.float64()),
        pa.field("top_p", pa.float64()),
        pa.field("max_new_tokens", pa.int32()),
        pa.field("seed", pa.int64()),
        pa.field("prompt_tokens", pa.int32()),
        pa.field("completion_tokens", pa.int32()),
        pa.field("answer_prompt_tokens", pa.int32()),
        pa.field("answer_completion_tokens", pa.int32()),
        pa.field("orig_tag", pa.string()),
        pa.field("school_level", pa.string()),
        pa.field("sample_run_id", pa.string()),
        pa.field("question_index", pa.int16()),
        pa.field("answer_temperature", pa.float64()),
        pa.field("answer_max_new_tokens", pa.int32()),
        pa.field("answer_seed", pa.int64()),
        pa.field("answer_finish_reason", pa.string()),
    ]
)
"""The ``qa`` table: questions joined with their answers."""

QUESTION_SCHEMA = pa.schema([f for f in QA_SCHEMA if not f.name.startswith("answer")])
"""The ``questions`` table: :data:`QA_SCHEMA` without the ``answer*`` columns."""

CONCEPT_SETS_TABLE = "concept_sets"
CONCEPT_SETS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string()),
        pa.field("set_hash", pa.string()),
        pa.field("topics", pa.list_(pa.string())),  # display names, walk order
        pa.field("topic_keys", pa.list_(pa.string())),
        pa.field("concepts", pa.list_(pa.string())),
        pa.field("concept_keys", pa.list_(pa.string())),
        pa.field("walk_path", pa.list_(pa.string())),  # "Topic:key" / "Concept:key", in order
        pa.field("dead_end", pa.bool_()),
        pa.field("reference_doc_ids", pa.list_(pa.string())),
        pa.field("reference_scores", pa.list_(pa.float64())),
        pa.field("epoch", pa.int32()),
        pa.field("start_topic", pa.string()),  # key of the topic the walk started from
        pa.field("seed", pa.int64()),
    ]
)
"""One row per sampled concept set (``runs/<sample run>/concept_sets/``)."""

GENERATE_SET_COLUMNS = (
    "run_id",
    "set_hash",
    "topics",
    "topic_keys",
    "concepts",
    "concept_keys",
    "walk_path",
    "reference_doc_ids",
)
"""The ``concept_sets`` columns Level-3 generation reads."""

QUESTIONS_TABLE = "questions"
QA_TABLE = "qa"

CURATED_SCHEMA = (
    QA_SCHEMA.append(pa.field("text_key", pa.string()))
    .append(pa.field("reference_copy", pa.bool_()))
    .append(pa.field("answer_agreement", pa.float64()))
    .append(pa.field("final_answer", pa.string()))
)
"""The ``curated`` table (``kgsynth curate``): :data:`QA_SCHEMA` plus curation columns:
``text_key`` (hash of the normalised question: equal keys = exact duplicates),
``reference_copy`` (the question repeats a long run of words of one of its reference
documents; null when not checked), ``answer_agreement`` (share of sampled answers that agree
with ``answer``; null unless ``--answer-samples``) and ``final_answer`` (the answer's final
result as extracted for that comparison)."""

REMOVED_SCHEMA = (
    CURATED_SCHEMA.append(pa.field("reason", pa.string(), nullable=False))
    .append(pa.field("matched_source", pa.string()))
    .append(pa.field("matched_item", pa.string()))
    .append(pa.field("similarity", pa.float64()))
)
"""The ``removed`` table: each curated-out row with ``reason``, and what it matched: the
run or benchmark file (``matched_source``), the kept question id or benchmark item id
(``matched_item``) and the similarity (estimated Jaccard for near duplicates, 1 for exact)."""

CURATED_TABLE = "curated"
REMOVED_TABLE = "removed"


def to_table(rows: list[dict[str, object]], schema: pa.Schema) -> pa.Table:
    """Rows (dicts keyed by column name) as a table of exactly ``schema`` (missing = null)."""
    columns = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(columns, schema=schema)


def question_id(run_id: str, level: int, source: str, occurrence: int, index: int) -> str:
    """The id of question ``index`` of the call on ``source`` (a set hash or a document id).

    ``occurrence`` tells apart repeated inputs (the same concept set sampled twice in one
    sets table), so ids are unique within a run and the same on every re-run of it.
    """
    text = f"{run_id}\x1f{level}\x1f{source}\x1f{occurrence}\x1f{index}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def derive_seed(*parts: object) -> int:
    """A 31-bit seed from a run seed and labels (stage, level, shard, position).

    Seeds depend only on these parts, never on how far an earlier invocation got, so a
    resumed run draws exactly what an uninterrupted one would.
    """
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") & 0x7FFFFFFF
