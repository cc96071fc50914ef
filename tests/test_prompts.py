"""The prompt loader: declared variables are enforced at load and at render time."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kgsynth.config import PromptsConfig
from kgsynth.errors import ConfigError
from kgsynth.prompts import (
    CONTRACTS,
    available_prompts,
    check_prompts,
    export_prompts,
    load_prompt,
    prompt,
)
from kgsynth.prompts.loader import TEMPLATE_DIR

GOOD = """{# variables: topic, n #}
{% block system %}You write {{ n }} questions.{% endblock %}
{% block user %}
Topic: {{ topic }}
{% endblock %}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.jinja2"
    path.write_text(text, encoding="utf-8")
    return path


def test_render_gives_system_then_user(tmp_path: Path) -> None:
    _write(tmp_path, "demo", GOOD)
    prompt = load_prompt("demo", tmp_path)
    assert prompt.name == "demo"
    assert prompt.variables == {"topic", "n"}
    assert prompt.render(topic="Groups", n=3) == [
        {"role": "system", "content": "You write 3 questions."},
        {"role": "user", "content": "Topic: Groups"},
    ]


def test_missing_and_undeclared_values_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "demo", GOOD)
    prompt = load_prompt("demo", tmp_path)
    with pytest.raises(ConfigError, match=r"missing \['n'\]"):
        prompt.render(topic="Groups")
    with pytest.raises(ConfigError, match=r"unknown \['colour'\]"):
        prompt.render(topic="Groups", n=1, colour="red")


def test_declaration_must_match_the_template(tmp_path: Path) -> None:
    _write(tmp_path, "undeclared", GOOD.replace("topic, n", "topic"))
    with pytest.raises(ConfigError, match=r"undeclared: \['n'\]"):
        load_prompt("undeclared", tmp_path)
    _write(tmp_path, "unused", GOOD.replace("topic, n", "topic, n, extra"))
    with pytest.raises(ConfigError, match=r"unused: \['extra'\]"):
        load_prompt("unused", tmp_path)
    _write(tmp_path, "noheader", GOOD.split("\n", 1)[1])
    with pytest.raises(ConfigError, match="first line must declare"):
        load_prompt("noheader", tmp_path)


def test_bad_files_and_names_are_config_errors(tmp_path: Path) -> None:
    _write(tmp_path, "oneblock", "{# variables: a #}\n{% block user %}{{ a }}{% endblock %}")
    with pytest.raises(ConfigError, match="blocks"):
        load_prompt("oneblock", tmp_path)
    _write(tmp_path, "broken", "{# variables: a #}\n{% block system %}{{ a }\n")
    with pytest.raises(ConfigError, match="syntax error"):
        load_prompt("broken", tmp_path)
    with pytest.raises(ConfigError, match="available: broken, oneblock"):
        load_prompt("absent", tmp_path)
    with pytest.raises(ConfigError, match="prompt name"):
        load_prompt("../secrets", tmp_path)


def test_hash_follows_the_file_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "demo", GOOD)
    before = load_prompt("demo", tmp_path).sha256
    assert before == hashlib.sha256(GOOD.encode("utf-8")).hexdigest()
    path.write_text(GOOD.replace("You write", "Write"), encoding="utf-8")
    after = load_prompt("demo", tmp_path)
    assert after.sha256 != before
    assert after.render(topic="t", n=2)[0]["content"] == "Write 2 questions."


def test_every_shipped_template_loads_and_renders() -> None:
    names = available_prompts()
    assert {"extract", "level1_question", "level2_question", "level3_question", "answer"} <= set(
        names
    )
    assert len(names) == len(list(TEMPLATE_DIR.glob("*.jinja2")))
    samples = {
        "text": "A short article.",
        "levels": ["College", "Other"],
        "school_levels": ["college"],
        "min_topics": 1,
        "max_topics": 5,
        "min_concepts": 5,
        "max_concepts": 20,
        "concepts": {"Algebra": ["Group", "Ring"], "Geometry": ["Circle"]},
        "references": ["First reference.", "Second reference."],
        "num_questions": 3,
        "max_questions": 5,
        "question": "What is 2 + 2?",
        "a": "open set",
        "b": "closed set",
        "a_docs": ["Topology notes"],
        "b_docs": [],
        "domain": "mathematics",
        "topic": "Prime numbers",
        "genre": "blog post",
        "topics": 12,
    }
    for name in names:
        prompt = load_prompt(name)
        messages = prompt.render(**{v: samples[v] for v in prompt.variables})
        assert [m["role"] for m in messages] == ["system", "user"]
        assert all(m["content"] and "{{" not in m["content"] for m in messages)
        assert len(prompt.sha256) == 64


def test_level3_prompt_lists_concepts_by_topic_and_references() -> None:
    user = prompt("level3_question").render(
        concepts={"Algebra": ["Group", "Ring"], "Geometry": ["Circle"]},
        references=["REF-ONE", "REF-TWO"],
        num_questions=2,
    )[1]["content"]
    assert "- Algebra: Group; Ring\n- Geometry: Circle" in user
    assert user.index("REF-ONE") < user.index("REF-TWO")
    assert "Write 2 new questions" in user


# ---- the catalog: contracts, a user's prompt folder, the domain -------------------------

CUSTOM_ANSWER = """{# variables: question, domain #}
{% block system %}You are a {{ domain }} tutor.{% endblock %}
{% block user %}Q: {{ question }}{% endblock %}
"""


def test_bundled_templates_use_everything_kgsynth_passes() -> None:
    assert set(CONTRACTS) == set(available_prompts())
    for name, contract in CONTRACTS.items():
        assert prompt(name).variables == contract.accepts, name


def test_domain_reaches_every_bundled_prompt() -> None:
    cfg = PromptsConfig(domain="organic chemistry")
    lists = {"concepts": {"A": ["b"]}, "references": ["R"], "levels": ["College"]}
    for name, contract in CONTRACTS.items():
        template = prompt(name, cfg)
        values = {v: lists.get(v, ["x"] if v.endswith("s") else 2) for v in contract.accepts}
        del values["domain"]
        system = template.render(**values)[0]["content"]
        assert "organic chemistry" in system and "mathematic" not in system, name
    default = prompt("level3_question").render(
        concepts={"A": ["b"]}, references=[], num_questions=1
    )
    assert "senior mathematics instructor" in default[0]["content"]


def test_a_folder_overrides_bundled_prompts_by_name(tmp_path: Path) -> None:
    _write(tmp_path, "answer", CUSTOM_ANSWER)
    cfg = PromptsConfig(domain="law", dir=tmp_path)
    check_prompts(cfg)
    answer = prompt("answer", cfg)
    assert answer.path == tmp_path / "answer.jinja2"
    assert answer.render(question="Is it legal?") == [
        {"role": "system", "content": "You are a law tutor."},
        {"role": "user", "content": "Q: Is it legal?"},
    ]
    assert prompt("extract", cfg).path == TEMPLATE_DIR / "extract.jinja2"  # not overridden


def test_optional_values_may_go_unused(tmp_path: Path) -> None:
    _write(tmp_path, "level1_question", GOOD.replace("topic, n", "text").replace(
        "{{ n }}", "three").replace("{{ topic }}", "{{ text }}"))  # fmt: skip
    template = prompt("level1_question", PromptsConfig(dir=tmp_path))
    messages = template.render(text="Doc.", max_questions=5, school_levels=["college"])
    assert messages[1]["content"] == "Topic: Doc."
    with pytest.raises(ConfigError, match=r"unknown \['colour'\]"):
        template.render(text="Doc.", colour="red")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("answer", CUSTOM_ANSWER.replace("question", "query"),
         r"answer\.jinja2: the answer prompt must use question; kgsynth passes domain, question"),
        ("answer", CUSTOM_ANSWER.replace("domain #", "domain, audience #").replace(
            "tutor.", "tutor for {{ audience }}."),
         r"answer\.jinja2: uses audience, which kgsynth does not pass to the answer prompt"),
        ("answers", CUSTOM_ANSWER, r"answers\.jinja2: not a prompt kgsynth uses"),
        ("answer", CUSTOM_ANSWER.split("\n", 1)[1], "first line must declare"),
    ],
)  # fmt: skip
def test_a_bad_custom_prompt_is_one_line_naming_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    _write(tmp_path, name, text)
    with pytest.raises(ConfigError, match=message) as err:
        check_prompts(PromptsConfig(dir=tmp_path))
    assert "\n" not in str(err.value)


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        check_prompts(PromptsConfig(dir=tmp_path / "absent"))


def test_export_writes_the_bundled_templates(tmp_path: Path) -> None:
    written = export_prompts(tmp_path / "mine")
    assert sorted(p.name for p in written) == sorted(f"{n}.jinja2" for n in CONTRACTS)
    for path in written:
        assert path.read_bytes() == (TEMPLATE_DIR / path.name).read_bytes()
    check_prompts(PromptsConfig(dir=tmp_path / "mine"))  # a valid starting point as is
    with pytest.raises(ConfigError, match="--overwrite"):
        export_prompts(tmp_path / "mine")
    assert export_prompts(tmp_path / "mine", overwrite=True) == written
