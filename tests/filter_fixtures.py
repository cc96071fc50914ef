"""The labelled mixed corpus and a fake LLM for the domain-filter tests.

The corpus is the bundled math documents (examples/: math_corpus.jsonl, annotated.jsonl,
notes/*.md) plus tests/data/filter/off_domain.jsonl: 42 each of cooking, sport, travel and
software release notes, several with numbers, fractions, percentages or version arithmetic
(the hard cases). :class:`LabelledRater` is a real :class:`LLMBackend` that answers the
filter's prompts the way a good rater would, from the labels: math documents get high
domain relevance, the others low, with some spread; every 11th document gets an
unparseable reply, which the stage must count and keep in its rejects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from kgsynth.assets import asset_dir
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend

DATA = Path(__file__).resolve().parent / "data" / "filter"
SYLLABUS = ["Fractions and ratios", "Linear equations", "Geometry of triangles",
            "Derivatives", "Probability", "Prime numbers"]  # fmt: skip

_TOPIC_BODY = {
    "Fractions and ratios": (
        "To add 2/3 and 3/4, rewrite both over the common denominator 12: 8/12 + 9/12 = 17/12. "
        "A ratio such as 3:5 splits 40 into 15 and 25, because 40 / (3 + 5) = 5 per part."
    ),
    "Linear equations": (
        "To solve 3x + 5 = 20, subtract 5 from both sides and divide by 3, so x = 5. The line "
        "y = 2x - 1 has slope 2 and crosses the y-axis at -1; it meets y = -x + 5 where x = 2."
    ),
    "Geometry of triangles": (
        "The interior angles of a triangle sum to 180 degrees. In a right triangle with legs 6 "
        "and 8 the hypotenuse is 10, since 6^2 + 8^2 = 100, and its area is 6 x 8 / 2 = 24."
    ),
    "Derivatives": (
        "The derivative of f(x) = x^3 - 2x is f'(x) = 3x^2 - 2, the slope of the tangent line. "
        "Setting f'(x) = 0 gives the stationary points x = ±sqrt(2/3); the second derivative "
        "6x tells which one is a local minimum."
    ),
    "Probability": (
        "Rolling two fair dice gives 36 equally likely outcomes, and 6 of them total 7, so the "
        "probability is 1/6. For independent events, P(A and B) = P(A) P(B); for disjoint "
        "events, P(A or B) = P(A) + P(B)."
    ),
    "Prime numbers": (
        "A prime has exactly two positive divisors. Every integer above 1 factors uniquely into "
        "primes, for example 84 = 2^2 x 3 x 7, and the gcd of 84 and 90 is 2 x 3 = 6, so their "
        "lcm is 84 x 90 / 6 = 1260."
    ),
}
_GENRE_FRAME = {
    "blog post": "I tutor {topic} every week, and one example always helps. {body} Check each "
    "answer by substituting it back, and write every step down.",
    "exam paper": "Section B: {topic}. Answer all questions and show your working. Question 1 "
    "(5 marks): explain the following and verify the numbers. {body}",
    "textbook section": "Chapter 4, {topic}. Definition and worked example. {body} Exercises "
    "at the end of the section practise the same method.",
}


def labelled_documents() -> list[dict[str, str]]:
    """Every test document with ``label`` ('math' or the off-domain category)."""
    examples = asset_dir("examples")
    docs = []
    for name in ("math_corpus.jsonl", "annotated.jsonl"):
        for line in (examples / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            docs.append({"id": row["id"], "title": row["title"], "text": row["text"],
                         "label": "math"})  # fmt: skip
    for path in sorted((examples / "notes").glob("*.md")):
        docs.append({"id": f"note-{path.stem}", "title": path.stem,
                     "text": path.read_text(encoding="utf-8"), "label": "math"})  # fmt: skip
    for line in (DATA / "off_domain.jsonl").read_text(encoding="utf-8").splitlines():
        docs.append(json.loads(line))
    return docs


def write_corpus(folder: Path, docs: list[dict[str, str]]) -> list[Path]:
    """The documents as two inputs: a .jsonl (all but the last 40) and a .parquet (the rest)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rows = [{k: d[k] for k in ("id", "title", "text")} for d in docs]
    jsonl = folder / "mixed.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows[:-40]), encoding="utf-8")
    parquet = folder / "more.parquet"
    pq.write_table(pa.Table.from_pylist(rows[-40:]), parquet)
    return [jsonl, parquet]


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


class LabelledRater(LLMBackend):
    """Answers syllabus, synthetic-document, rating and extraction prompts from labels.

    ``fail_after``: raise KeyboardInterrupt on that rating call (an interrupted run).
    """

    model_name = "labelled-rater"

    def __init__(self, docs: list[dict[str, str]], fail_after: int | None = None) -> None:
        self.labels = {d["text"].strip()[:300]: d["label"] for d in docs}
        self.fail_after = fail_after
        self.rating_calls = 0
        self.rated: list[str] = []

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        return [Completion(self._reply(r), 10, 10, "stop") for r in requests]

    def _reply(self, request: ChatRequest) -> str:
        schema = request.json_schema or {}
        prompt = request.messages[-1]["content"]
        props = schema.get("properties", {})
        if "domain_relevance" in props:
            return self._rate(prompt)
        if "topics" in props and props["topics"]["items"].get("type") == "string":
            return json.dumps({"topics": SYLLABUS})
        if "topics" in props:  # concept extraction (kgsynth ingest)
            names = ["Equation", "Variable", "Coefficient", "Solution", "Substitution"]
            return json.dumps({"level": "High School", "subject": "Algebra",
                               "topics": [{"name": "Algebra", "concepts": names}]})  # fmt: skip
        genre = next(g for g in _GENRE_FRAME if f"Write a {g} about" in prompt)
        topic = prompt.split('about "', 1)[1].split('"', 1)[0]
        return _GENRE_FRAME[genre].format(topic=topic, body=_TOPIC_BODY[topic])

    def _rate(self, prompt: str) -> str:
        self.rating_calls += 1
        if self.fail_after is not None and self.rating_calls > self.fail_after:
            raise KeyboardInterrupt
        text = prompt.split("Document:\n", 1)[1].rsplit("\n\nAnswer with JSON", 1)[0].strip()
        label = self.labels[text[:300]]
        self.rated.append(text[:300])
        h = _stable(text)
        if h % 11 == 0:
            return "I would rate this document a 7 out of 10."
        relevance = 8 + h % 3 if label == "math" else 1 + h % 3
        return json.dumps({"domain_relevance": relevance, "clarity": 6 + h % 4,
                           "language_quality": 7 + (h >> 3) % 3})  # fmt: skip
