"""Settings: precedence, validation, unknown keys, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgsynth.config import changed, load_settings, mask, mask_uri
from kgsynth.errors import ConfigError


def test_defaults_are_the_papers() -> None:
    s = load_settings(None, environ={"KGSYNTH_CONFIG": "/nonexistent/kgsynth.toml"})
    assert (s.sample.epochs, s.sample.topic_steps_min, s.sample.topic_steps_max) == (5, 1, 2)
    assert (s.sample.concept_steps_min, s.sample.concept_steps_max) == (3, 4)
    assert s.sample.epsilon == 1e-5 and s.sample.references == 2
    assert s.dedup.threshold == 0.9 and s.neo4j.uri is None


def test_toml_then_environment_then_cli(tmp_path: Path) -> None:
    cfg = tmp_path / "kgsynth.toml"
    cfg.write_text("[sample]\nepochs = 3\nseed = 7\n[neo4j]\nuri = 'bolt://db:7687'\n")
    s = load_settings(cfg, environ={"KGSYNTH_SAMPLE_SEED": "11"})
    assert s.sample.epochs == 3 and s.sample.seed == 11 and s.neo4j.uri == "bolt://db:7687"
    assert s.updated(sample=changed(s.sample, seed=5)).sample.seed == 5
    assert s.updated(sample=changed(s.sample, seed=None)).sample.seed == 11  # None = not given


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ("[sample]\nepoch = 3\n", {}, "unknown key(s) ['epoch'] in [sample]"),
        ("[sampel]\n", {}, "unknown key(s) ['sampel'] in top level"),
        ("[sample]\nepochs = 'many'\n", {}, "expected int"),
        ("[sample]\ntopic_steps_min = 3\ntopic_steps_max = 2\n", {}, "min <= max"),
        ("[neo4j]\npassword = 'hunter22'\n", {}, "is a secret"),
        ("[neo4j]\nuri = 'http://x'\n", {}, "must start with bolt://"),
        ("[llm]\nbackend = 'gpt'\n", {}, "llm.backend"),
        ("", {"KGSYNTH_DEDUP_THRESHOLD": "1.5"}, "dedup.threshold"),
        ("[neo4j]\npassword = '${NOT_SET_ANYWHERE}'\n", {}, "NOT_SET_ANYWHERE"),
        ("[prompts]\ndomain = ' '\n", {}, "prompts.domain must not be empty"),
        ("", {"KGSYNTH_LLM_GPU_MEMORY_UTILIZATION": "0"}, "gpu_memory_utilization must be in"),
    ],
)
def test_bad_settings_are_refused(
    tmp_path: Path, toml: str, env: dict[str, str], message: str
) -> None:
    cfg = tmp_path / "kgsynth.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, environ=env)
    assert message in str(e.value)


def test_password_may_reference_the_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "kgsynth.toml"
    cfg.write_text("[neo4j]\npassword = '${MY_DB_PW}'\n")
    assert load_settings(cfg, environ={"MY_DB_PW": "s3cret"}).neo4j.password == "s3cret"


def test_masking() -> None:
    assert mask_uri("neo4j+s://user:pa55@host:7687") == "neo4j+s://user:***@host:7687"
    assert mask("auth failed for pa55word", ["pa55word", None]) == "auth failed for ***"


def test_backend_sections_nest_and_flat_names_still_read(tmp_path: Path) -> None:
    cfg = tmp_path / "kgsynth.toml"
    cfg.write_text("[llm]\ntensor_parallel_size = 4\n[llm.openai]\nmax_retries = 2\n")
    s = load_settings(cfg, environ={"KGSYNTH_LLM_VLLM_GPU_MEMORY_UTILIZATION": "0.5"})
    assert s.llm.vllm.tensor_parallel_size == 4 and s.llm.openai.max_retries == 2
    assert s.llm.vllm.gpu_memory_utilization == 0.5
    cfg.write_text("[llm]\nthreads = 2\n[llm.transformers]\nthreads = 3\n")
    with pytest.raises(ConfigError, match="both llm.threads and llm.transformers.threads"):
        load_settings(cfg, environ={})


def test_prompts_section_and_derived_vllm_memory(tmp_path: Path) -> None:
    cfg = tmp_path / "kgsynth.toml"
    cfg.write_text('[prompts]\ndomain = "physics"\ndir = "my_prompts"\n')
    settings = load_settings(cfg, environ={"KGSYNTH_PROMPTS_DOMAIN": "law"})
    assert settings.prompts.domain == "law" and settings.prompts.dir == Path("my_prompts")
    assert settings.llm.vllm.gpu_memory_utilization is None  # derived when vLLM starts
