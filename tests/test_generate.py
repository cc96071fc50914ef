"""Question and answer generation: parsers, the three levels against the real graph with a
scripted backend (a real LLMBackend subclass), rejects, resume, dry-run estimates, and the
plumbing through the real transformers backend on a tiny random Llama."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from kgsynth.config import Settings, llm_config
from kgsynth.errors import ConfigError, InputError
from kgsynth.graph import GraphRepository
from kgsynth.llm import ChatRequest, Completion, LLMBackend, load_backend
from kgsynth.records import Document, Extraction
from kgsynth.runs import RunFolder
from kgsynth.stages.generate import GenerateReport, estimate, run_generate
from kgsynth.stages.generate.levels import LEVELS, OTHER_TOPIC, group_set_concepts
from kgsynth.stages.ingest.build import write_batch
from kgsynth.tables import CONCEPT_SETS_SCHEMA, QA_SCHEMA, QUESTION_SCHEMA, question_id
from tests.llm_fixtures import schema_errors

# -- a scripted backend -----------------------------------------------------------------------
Reply = str | tuple[str, str]  # text, or (text, finish_reason)
Rule = tuple[tuple[str, ...], Reply | Callable[[ChatRequest], Reply]]


class ScriptedBackend(LLMBackend):
    """Replies by the first rule whose markers all occur in the request's user message; a
    reply may be a callable of the request (to echo its seed). Records every call."""

    def __init__(self, name: str, rules: list[Rule]) -> None:
        self.model_name = name
        self.rules = rules
        self.calls: list[list[ChatRequest]] = []

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        self.calls.append(list(requests))
        return [self._one(r) for r in requests]

    def _one(self, request: ChatRequest) -> Completion:
        user = request.messages[-1]["content"]
        for markers, reply in self.rules:
            if all(m in user for m in markers):
                value = reply(request) if callable(reply) else reply
                text, finish = (value, "stop") if isinstance(value, str) else value
                assert finish in ("stop", "length")
                return Completion(text, len(user) // 4, max(1, len(text) // 4), finish)  # type: ignore[arg-type]
        raise AssertionError(f"no scripted reply for prompt: {user[:200]!r}")


class Interrupted(Exception):
    """Stands for Ctrl-C or a crash in the middle of a run."""


class FailingAfter(ScriptedBackend):
    """A scripted backend whose generate call number ``k + 1`` raises :class:`Interrupted`."""

    def __init__(self, inner: ScriptedBackend, k: int) -> None:
        super().__init__(inner.model_name, inner.rules)
        self.k = k

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        if len(self.calls) >= self.k:
            raise Interrupted
        return super().generate(requests)


def _q(*pairs: tuple[list[str], str]) -> str:
    return json.dumps({"questions": [{"selected_concepts": c, "question": q} for c, q in pairs]})


def _answer_backend(name: str = "answer-model") -> ScriptedBackend:
    """Answers echo their seed; a question containing LONG gets a cut-off answer."""

    def reply(r: ChatRequest) -> Reply:
        question = r.messages[-1]["content"].split("Problem:")[-1].strip()
        if "LONG" in question:
            return f"cut off answer to {question[:30]}", "length"
        return f"Answer (seed {r.seed}) to: {question[:40]}"

    return ScriptedBackend(name, [((), reply)])


# -- graph and concept sets -------------------------------------------------------------------
TEXTS = {"doc-a": "ALPHA " * 400, "doc-b": "BRAVO " * 50, "doc-c": "CHARLIE " * 20}
CONCEPTS: dict[str, dict[str, tuple[str, ...]]] = {
    "doc-a": {"Algebra": ("Quadratic formula", "Discriminant"), "Geometry": ("Parabola",)},
    "doc-b": {"Geometry": ("Parabola", "Focus"), "Calculus": ("Derivative",)},
    "doc-c": {},
}


def _write_graph(graph: GraphRepository) -> None:
    write_batch(
        graph,
        [
            (
                Document(id=i, text=TEXTS[i], title=i.upper(), source=f"test:{i}"),
                Extraction(doc_id=i, level="College", subject="Maths", concepts=CONCEPTS[i]),
            )
            for i in TEXTS
        ],
    )


def _set(h: str, topics: list[str], concepts: list[str], refs: list[str]) -> dict[str, object]:
    tkeys, ckeys = [t.lower() for t in topics], [c.lower() for c in concepts]
    return {
        "run_id": "sample-1", "set_hash": h, "topics": topics, "topic_keys": tkeys,
        "concepts": concepts, "concept_keys": ckeys,
        "walk_path": [f"Topic:{k}" for k in tkeys] + [f"Concept:{k}" for k in ckeys],
        "dead_end": False, "reference_doc_ids": refs, "reference_scores": [0.5] * len(refs),
        "epoch": 0, "start_topic": tkeys[0], "seed": 1,
    }  # fmt: skip


def _sets() -> pa.Table:
    rows = [
        _set("set-good", ["Algebra", "Geometry"], ["Quadratic formula", "Parabola", "Focus"],
             ["doc-a", "doc-b"]),
        _set("set-cut", ["Calculus"], ["Derivative", "Parabola"], ["doc-b"]),
        _set("set-junk", ["Geometry"], ["Focus", "Discriminant"], ["doc-b"]),
        _set("set-tags", ["Algebra", "Calculus"], ["Discriminant", "Derivative"], ["doc-a"]),
        _set("set-good", ["Algebra", "Geometry"], ["Quadratic formula", "Parabola", "Focus"],
             ["doc-a", "doc-b"]),
    ]  # fmt: skip
    return pa.Table.from_pylist(rows, schema=CONCEPT_SETS_SCHEMA)


L1, L2, L3 = "First decide whether", "Key concepts found in the article", "grouped by topic:"
QUESTION_RULES: list[Rule] = [
    # Level-3: one good set (asked twice), one cut off, one unparseable, one in the tag format
    ((L3, "- Calculus: Derivative; Parabola"), ('{"questions": [{"selected_con', "length")),
    ((L3, "- Geometry: Focus; Discriminant"), "Sorry, I cannot help with that."),
    ((L3, "- Algebra: Discriminant\n- Calculus: Derivative"),
     "<Q1> Selected Concepts: [Discriminant, Derivative]\n"
     "Question: When is the derivative of x^2+bx+c zero? </Q1>"),
    ((L3, "- Algebra: Quadratic formula\n- Geometry: Parabola; Focus"), lambda r: _q(
        (["Quadratic formula", "Parabola"], f"Where does the parabola meet the axis? #{r.seed}"),
        (["Focus", "Quadratic formula"], "Find the focus of y = x^2 - 4x + 1. LONG"))),
    # Level-1: the paper's tagged format, a declined article, JSON with one empty item
    ((L1, "ALPHA"), "<Q1>\nQuestion: Solve x^2 - 5x + 6 = 0.\nOrig_tag: <original_question>\n"
     "Level: High School\n</Q1>\n<Q2>\nQuestion: Show the discriminant decides the roots.\n"
     "Orig_tag: <newly_created>\nLevel: competition\n</Q2>"),
    ((L1, "BRAVO"), "NOT SUITABLE for creating questions."),
    ((L1, "CHARLIE"), lambda r: json.dumps({"suitable": True, "questions": [
        {"question": f"What is 2+2? #{r.seed}", "orig_tag": "new", "school_level": "elementary"},
        {"question": "  ", "orig_tag": "new", "school_level": "college"}]})),
    # Level-2 (CHARLIE has no concepts, so it is never asked)
    ((L2, "ALPHA"), _q((["Quadratic formula", "Parabola"], "Level-2 question on ALPHA."))),
    ((L2, "BRAVO"), _q((["Focus", "Derivative"], "Level-2 question on BRAVO."))),
]  # fmt: skip


def _question_backend() -> ScriptedBackend:
    return ScriptedBackend("question-model", QUESTION_RULES)


def _settings(settings: Settings, **generate: object) -> Settings:
    g = dataclasses.replace(settings.generate, **generate)
    return dataclasses.replace(settings, generate=g).validate()


def _rejects(run: RunFolder) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for path in sorted((run.path / "rejects").glob("*.jsonl")):
        lines += [json.loads(x) for x in path.read_text().splitlines()]
    return lines


def _run(
    graph: GraphRepository,
    settings: Settings,
    levels: set[int],
    backend: LLMBackend | None = None,
    answers: LLMBackend | None = None,
    run: RunFolder | None = None,
    sets: pa.Table | None = None,
    progress: list[tuple[int, int]] | None = None,
) -> tuple[RunFolder, GenerateReport]:
    run = run or RunFolder(settings.runs_dir, "generate")
    report = run_generate(
        graph, settings, run, sets if sets is not None else _sets(), levels,
        backend or _question_backend(), answers or _answer_backend(),
        on_progress=None if progress is None else lambda n, total, _: progress.append((n, total)),
    )  # fmt: skip
    return run, report


# -- parsing ----------------------------------------------------------------------------------
def test_json_replies_parse_per_level() -> None:
    r = LEVELS[3].parse(
        "```json\n" + _q((["a", "b"], " Q one "), (["c", "d"], "Q two")) + "\n```", 1
    )
    assert [q.question for q in r.questions] == ["Q one"]  # fence read, capped at 1
    assert r.questions[0].selected_concepts == ("a", "b")
    r = LEVELS[1].parse('{"suitable": true, "questions": [{"question": "Q", "orig_tag": '
                        '"original", "school_level": "High School"}]}', 5)  # fmt: skip
    assert (r.questions[0].orig_tag, r.questions[0].school_level) == ("original", "high_school")
    assert LEVELS[1].parse('{"suitable": false, "questions": [{"question": "x"}]}', 5).unsuitable
    # a raw control character inside a string (grammar-constrained gibberish) still parses
    assert LEVELS[2].parse('{"questions": [{"question": "a\x0cb"}]}', 5).questions
    # the template's placeholder copied literally is no question
    r = LEVELS[3].parse(_q((["...", "..."], "..."), (["Focus", "..."], "Real?")), 3)
    assert [(q.question, q.selected_concepts) for q in r.questions] == [("Real?", ("Focus",))]
    assert r.dropped == ("empty question",)


def test_tagged_replies_parse_as_in_the_paper() -> None:
    text = (
        "Here you go.\n<Q1> Selected Concepts: [Vieta's formulas, Discriminant]\n"
        "Question: Find $k$ such that ... </Q1>\n<Q2>\nSelected Concepts: 1. Parabola; 2. Focus\n"
        "Question: A dish is a paraboloid...\n</Q2>"
    )
    r = LEVELS[2].parse(text, 5)
    assert [q.selected_concepts for q in r.questions] == [
        ("Vieta's formulas", "Discriminant"),
        ("Parabola", "Focus"),
    ]
    assert r.questions[1].question == "A dish is a paraboloid..."
    r = LEVELS[1].parse("<Q1> Question: What? Orig_tag: <is_original> Level: grad school </Q1>", 5)
    assert (r.questions[0].orig_tag, r.questions[0].school_level) == ("original", "grad_school")
    assert LEVELS[1].parse("This article is NOT SUITABLE for creating questions.", 5).unsuitable


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty output"),
        ("   \n", "empty output"),
        ("I think the answer is 4.", "unparseable"),
        ('{"questions": []}', "no questions"),
        ('{"answer": 4}', "wrong shape"),
        ("NOT SUITABLE", "unparseable"),  # only Level-1 may decline
    ],
)
def test_bad_replies_give_a_reason(text: str, reason: str) -> None:
    result = LEVELS[3].parse(text, 3)
    assert not result.questions and result.error and result.error.startswith(reason)


def test_schema_conforming_replies_parse() -> None:
    for level in (1, 2, 3):
        schema = LEVELS[level].schema(3)
        item = {"question": "Q?", "selected_concepts": ["a", "b"], "orig_tag": "new",
                "school_level": "college"}  # fmt: skip
        props = schema["properties"]["questions"]["items"]["properties"]
        reply = {"questions": [{k: v for k, v in item.items() if k in props}]}
        if level == 1:
            reply["suitable"] = True
        assert schema_errors(reply, schema) == []
        assert schema_errors({"questions": [reply["questions"][0]] * 4}, schema)  # maxItems
        assert LEVELS[level].parse(json.dumps(reply), 3).questions[0].question == "Q?"


def test_set_concepts_group_under_their_best_topic() -> None:
    row = _set("h", ["Algebra", "Geometry"], ["Roots", "Circle", "Prime"], [])
    links = {("algebra", "roots"): (2, 1), ("geometry", "roots"): (1, 5),
             ("algebra", "circle"): (0, 1), ("geometry", "circle"): (0, 1)}  # fmt: skip
    assert group_set_concepts(row, links) == {
        "Algebra": ["Roots", "Circle"],  # listed beats co-occurs; a tie goes to the first topic
        OTHER_TOPIC: ["Prime"],
    }


def test_question_ids_are_stable_and_distinct() -> None:
    a = question_id("run", 3, "set", 0, 0)
    assert a == question_id("run", 3, "set", 0, 0)
    others = {question_id("run", 3, "set", 1, 0), question_id("run", 3, "set", 0, 1),
              question_id("run", 2, "set", 0, 0), question_id("other", 3, "set", 0, 0)}  # fmt: skip
    assert a not in others and len(others) == 4


# -- the queries generate runs ----------------------------------------------------------------
def test_generate_queries_return_what_prompts_need(graph: GraphRepository) -> None:
    _write_graph(graph)
    assert graph.read("list_document_ids") == [{"id": "doc-a"}, {"id": "doc-b"}, {"id": "doc-c"}]
    texts = graph.read("document_texts", ids=["doc-b", "missing", "doc-c"])
    assert sorted((r["id"], r["title"], r["text"]) for r in texts) == [
        ("doc-b", "DOC-B", TEXTS["doc-b"]),
        ("doc-c", "DOC-C", TEXTS["doc-c"]),
    ]
    rows = {r["id"]: r for r in graph.read("document_concepts", ids=["doc-b", "doc-c", "nope"])}
    assert set(rows) == {"doc-b", "doc-c"}
    assert sorted(t["key"] for t in rows["doc-b"]["topics"]) == ["calculus", "geometry"]
    assert sorted((c["key"], c["name"], c["topic"]) for c in rows["doc-b"]["concepts"]) == [
        ("derivative", "Derivative", "calculus"),
        ("focus", "Focus", "geometry"),
        ("parabola", "Parabola", "geometry"),
    ]
    assert rows["doc-c"]["topics"] == [] and rows["doc-c"]["concepts"] == []
    pairs = [
        {"topic": "geometry", "concept": "parabola"},  # listed in doc-a and doc-b
        {"topic": "algebra", "concept": "parabola"},  # co-occurs in doc-a, never listed
        {"topic": "calculus", "concept": "discriminant"},  # never together
        {"topic": "no-such-topic", "concept": "parabola"},
    ]
    links = {(r["topic"], r["concept"]): (r["listed"], r["cooccurs"])
             for r in graph.read("concept_topic_links", pairs=pairs)}  # fmt: skip
    assert links == {
        ("geometry", "parabola"): (2, 2),
        ("algebra", "parabola"): (0, 1),
        ("calculus", "discriminant"): (0, 0),
    }


# -- the levels against the real graph --------------------------------------------------------
def test_level3_rows_prompts_and_rejects(graph: GraphRepository, settings: Settings) -> None:
    _write_graph(graph)
    settings = _settings(settings, reference_chars=60, questions_per_set=2, shard_size=2)
    backend, answers = _question_backend(), _answer_backend()
    run, report = _run(graph, settings, {3}, backend, answers)

    prompts = [r.messages[-1]["content"] for call in backend.calls for r in call]
    assert len(prompts) == 5 and report.prompts == 5 + report.answers
    good = prompts[0]
    assert "- Algebra: Quadratic formula\n- Geometry: Parabola; Focus" in good
    assert ("ALPHA " * 10).strip() in good and "ALPHA " * 11 not in good  # cut to 60 chars
    assert "BRAVO" in good
    assert all(r.json_schema == LEVELS[3].schema(2) for call in backend.calls for r in call)

    qa = run.read_table("qa")
    assert qa.schema == QA_SCHEMA
    assert run.read_table("questions").schema == QUESTION_SCHEMA
    rows = qa.to_pylist()
    # set-good twice (2 questions each) + set-tags (1); set-cut and set-junk rejected
    assert [(r["set_hash"], r["question_index"]) for r in rows] == [
        ("set-good", 0),
        ("set-good", 1),
        ("set-tags", 0),
        ("set-good", 0),
        ("set-good", 1),
    ]
    assert len({r["question_id"] for r in rows}) == 5
    first = rows[0]
    assert first["level"] == 3 and first["source_doc_id"] is None
    assert first["reference_doc_ids"] == ["doc-a", "doc-b"]
    assert first["walk_path"][0] == "Topic:algebra" and first["sample_run_id"] == "sample-1"
    assert first["selected_concepts"] == ["Quadratic formula", "Parabola"]
    assert first["concepts"] == ["Quadratic formula", "Parabola", "Focus"]
    assert first["topics"] == ["Algebra", "Geometry"]
    assert first["question"] == f"Where does the parabola meet the axis? #{first['seed']}"
    assert first["answer"] == f"Answer (seed {first['answer_seed']}) to: {first['question'][:40]}"
    assert (first["question_model"], first["answer_model"]) == ("question-model", "answer-model")
    assert (first["question_prompt"], first["answer_prompt"]) == ("level3_question", "answer")
    assert re.fullmatch(r"[0-9a-f]{64}", first["question_prompt_sha256"])
    assert first["temperature"] == settings.llm.temperature
    assert first["max_new_tokens"] == settings.llm.max_new_tokens
    assert first["orig_tag"] is None and first["school_level"] is None
    assert rows[1]["answer_finish_reason"] == "length" and report.answers_truncated == 2
    # the repeated set is a new draw: its own seed and ids
    assert rows[0]["seed"] != rows[3]["seed"] and rows[0]["question_id"] != rows[3]["question_id"]

    rejects = _rejects(run)
    assert sorted((r["source"], r["reason"].split(" (")[0]) for r in rejects) == [
        ("set-cut", "truncated"),
        ("set-junk", "unparseable"),
    ]
    assert all(r["stage"] == "generate" and r["payload"] for r in rejects)
    assert (report.questions, report.answers, report.rejected) == (5, 5, 2)
    assert report.questions_by_level == {3: 5} and report.totals == {"questions": 5, "qa": 5}
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["complete"] and manifest["tables"]["qa"] == 5
    assert manifest["plan"]["models"] == {"question": "question-model", "answer": "answer-model"}


def test_levels_1_and_2_per_document(graph: GraphRepository, settings: Settings) -> None:
    _write_graph(graph)
    settings = _settings(settings, questions_per_document=3, document_chars=30)
    backend = _question_backend()
    run, report = _run(graph, settings, {1, 2}, backend, sets=None)
    prompts = {r.messages[-1]["content"] for call in backend.calls for r in call}
    level2 = next(p for p in prompts if L2 in p and "ALPHA" in p)
    assert "- Algebra: Discriminant; Quadratic formula\n- Geometry: Parabola" in level2
    assert "ALPHA " * 5 in level2 and "ALPHA " * 6 not in level2  # cut to 30 chars
    assert len(prompts) == 5  # 3 documents at Level-1, 2 at Level-2 (doc-c has no concepts)

    rows = run.read_table("qa").to_pylist()
    got = [(r["level"], r["source_doc_id"], r["orig_tag"], r["school_level"]) for r in rows]
    assert got == [
        (1, "doc-a", "original", "high_school"),
        (1, "doc-a", "new", "competition"),
        (1, "doc-c", "new", "elementary"),
        (2, "doc-a", None, None),
        (2, "doc-b", None, None),
    ]
    assert all(r["set_hash"] is None and r["walk_path"] == [] for r in rows)
    assert all(r["reference_doc_ids"] == [r["source_doc_id"]] for r in rows)
    assert rows[3]["selected_concepts"] == ["Quadratic formula", "Parabola"]
    assert rows[3]["topics"] == ["Algebra", "Geometry"]
    assert set(rows[3]["concepts"]) == {"Quadratic formula", "Discriminant", "Parabola"}
    assert {r["question_prompt"] for r in rows} == {"level1_question", "level2_question"}
    assert report.unsuitable == 1  # doc-b at Level-1
    reasons = sorted((r["source"], r["reason"].split(" (")[0]) for r in _rejects(run))
    assert reasons == [("doc-c", "empty question"), ("doc-c", "no extracted concepts")]
    assert report.questions_by_level == {1: 3, 2: 2}


def test_bad_inputs_are_refused_before_any_call(graph: GraphRepository, settings: Settings) -> None:
    backend = _question_backend()
    with pytest.raises(InputError, match="no documents"):
        _run(graph, settings, {1}, backend)
    _write_graph(graph)
    with pytest.raises(InputError, match="concept_sets"):
        run_generate(graph, settings, RunFolder(settings.runs_dir, "generate"), None, {3},
                     backend, backend)  # fmt: skip
    with pytest.raises(InputError, match="lacks column"):
        _run(graph, settings, {3}, backend, sets=_sets().drop_columns(["concept_keys"]))
    with pytest.raises(ConfigError, match="levels"):
        _run(graph, settings, {4}, backend)
    assert backend.calls == []


# -- resume -----------------------------------------------------------------------------------
def test_interrupted_run_resumes_to_the_same_rows(
    graph: GraphRepository, settings: Settings, tmp_path: Path
) -> None:
    _write_graph(graph)
    settings = _settings(settings, shard_size=2)  # Level-1: 2 shards, Level-3: 3 shards
    levels = {1, 3}
    run = RunFolder(settings.runs_dir, "generate")
    with pytest.raises(Interrupted):  # dies in the question stage, after 3 shards
        _run(graph, settings, levels, FailingAfter(_question_backend(), 3), run=run)
    backend = _question_backend()
    again = RunFolder(settings.runs_dir, "generate", run.run_id)
    with pytest.raises(Interrupted):  # finishes the questions, dies after 1 answer shard
        _run(graph, settings, levels, backend, FailingAfter(_answer_backend(), 1), run=again)
    assert len(backend.calls) == 2  # only the 2 question shards the first attempt lacked
    backend, answers = _question_backend(), _answer_backend()
    resumed = RunFolder(settings.runs_dir, "generate", run.run_id)
    progress: list[tuple[int, int]] = []
    _, report = _run(graph, settings, levels, backend, answers, run=resumed, progress=progress)
    assert backend.calls == [] and len(answers.calls) == 4 and report.shards_skipped == 5 + 1
    # progress in inputs: 3 documents + 5 sets, each worked on twice; skipped shards count
    assert [n for n, _ in progress] == [2, 1, 2, 2, 1] * 2 and {t for _, t in progress} == {16}

    # the same run id in another folder, never interrupted
    clean_dir = tmp_path / "clean"
    (clean_dir / run.run_id).mkdir(parents=True)
    clean, _ = _run(graph, settings, levels, run=RunFolder(clean_dir, "generate", run.run_id))
    assert resumed.read_table("qa").to_pylist() == clean.read_table("qa").to_pylist()
    ids = resumed.read_table("qa").column("question_id").to_pylist()
    assert len(ids) == len(set(ids)) == 3 + 5  # Level-1: doc-a 2, doc-c 1; Level-3: 5
    assert sorted(map(json.dumps, _rejects(resumed))) == sorted(map(json.dumps, _rejects(clean)))

    # a finished run re-run changes nothing and calls no model
    backend = _question_backend()
    _, report = _run(graph, settings, levels, backend, run=resumed)
    assert backend.calls == [] and report.shards_skipped == 10 and report.questions == 0
    # a resume with other settings is refused
    with pytest.raises(InputError, match="different generate"):
        _run(graph, _settings(settings, questions_per_set=1), levels, run=resumed)


# -- dry run ----------------------------------------------------------------------------------
def test_estimate_counts_calls_and_tokens(graph: GraphRepository, settings: Settings) -> None:
    _write_graph(graph)
    settings = _settings(settings, question_max_new_tokens=100, answer_max_new_tokens=300)
    planned = estimate(graph, settings, _sets(), {1, 2, 3})
    stages = {e.stage: e for e in planned.stages}
    assert [stages[s].prompts for s in ("level1_question", "level2_question", "level3_question")] \
        == [3, 2, 5]  # fmt: skip
    assert stages["level2_question"].skipped_inputs == 1
    assert stages["level3_question"].output_tokens == 5 * 100
    assert stages["level1_question"].input_tokens > 400 // 4  # the ~1.6k-char ALPHA prompt
    answers = stages["answer"]
    assert answers.prompts == 3 * 5 + 2 * 5 + 5 * 3 and answers.output_tokens == 300 * 40
    assert planned.prompts == 3 + 2 + 5 + answers.prompts
    lines = planned.lines()
    assert lines[-2].split()[:2] == ["total", f"{planned.prompts:,}"] and "chars/4" in lines[-1]
    counted = estimate(graph, settings, _sets(), {3}, count_tokens=lambda m: 7)
    assert counted.stages[0].input_tokens == 5 * 7 and counted.tokenizer == "model"


# -- the real transformers backend on a tiny random Llama -------------------------------------
@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory, tiny_llama_folder: Path) -> LLMBackend:
    cfg = llm_config(batch_size=4, threads=1, device="cpu")
    return load_backend(cfg, tmp_path_factory.mktemp("home"), str(tiny_llama_folder))


def test_tiny_llama_plumbing(
    graph: GraphRepository, settings: Settings, tiny_llama: LLMBackend
) -> None:
    _write_graph(graph)
    llm = dataclasses.replace(settings.llm, max_new_tokens=160, seed=3)
    settings = _settings(dataclasses.replace(settings, llm=llm), answer_max_new_tokens=12,
                         questions_per_set=2, questions_per_document=2)  # fmt: skip
    run, report = _run(graph, settings, {1, 3}, tiny_llama, tiny_llama)
    # every reply that ended on its own was valid JSON: the only rejects are cut-off replies
    # and Level-1 replies that listed no question
    reasons = {r["reason"].split(" (")[0] for r in _rejects(run)}
    assert reasons <= {"truncated", "no questions", "empty answer"}, reasons
    rows = run.read_table("qa").to_pylist()
    assert rows and report.questions == len(rows) + (report.questions - report.answers)
    for r in rows:
        for column in ("question_id", "run_id", "question", "answer", "question_model",
                       "answer_model", "question_prompt_sha256", "answer_prompt_sha256",
                       "temperature", "top_p", "max_new_tokens", "seed", "answer_seed",
                       "prompt_tokens", "completion_tokens", "answer_prompt_tokens",
                       "answer_completion_tokens", "answer_finish_reason"):  # fmt: skip
            assert r[column] is not None, column
        assert r["question_model"] == r["answer_model"] == tiny_llama.model_name
        assert (r["set_hash"] is None) == (r["level"] == 1) == (r["source_doc_id"] is not None)
        assert 0 < r["answer_completion_tokens"] <= 12
        assert r["completion_tokens"] <= 160
