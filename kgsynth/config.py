"""One settings object, read once at the CLI edge and passed down.

Sources, lowest precedence first: defaults, ``kgsynth.toml`` (sections named like the
dataclasses below), ``KGSYNTH_<SECTION>_<FIELD>`` environment variables (top-level fields:
``KGSYNTH_<FIELD>``), then command-line options. Unknown keys are rejected. Secrets (the
database password, API keys) come only from the environment; a toml string may reference
an environment variable as ``"${NAME}"``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from kgsynth.errors import ConfigError

SECRET_FIELDS = {("neo4j", "password"), ("llm", "api_key")}
BACKENDS = {"transformers", "vllm", "openai", "ray"}
RAY_INNER_BACKENDS = {"transformers", "vllm"}  # what one Ray replica may hold
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclasses.dataclass(frozen=True)
class Neo4jConfig:
    """Which graph server to use. Without ``uri`` kgsynth runs a local ArcadeDB under ``home``."""

    uri: str | None = None
    user: str = "neo4j"
    password: str | None = None
    database: str | None = None
    # Local embedded server (only used when uri is None).
    bolt_port: int = 7687
    http_port: int = 2480
    local_database: str = "graph"
    batch_size: int = 2000


@dataclasses.dataclass(frozen=True)
class LLMConfig:
    """The model that extracts concepts and writes questions and answers."""

    backend: str = "transformers"  # transformers | vllm | openai | ray
    model: str = "smollm2"  # "smollm2" = the packaged SmolLM2-135M-Instruct, or a path / hub id
    answer_model: str | None = None  # None: same as model
    device: str = "auto"  # auto | cpu | cuda
    batch_size: int = 16
    temperature: float = 0.7
    top_p: float = 0.95
    max_new_tokens: int = 384
    seed: int = 0
    # vLLM engine knobs
    tensor_parallel_size: int = 1
    dtype: str = "auto"
    max_model_len: int | None = None
    gpu_memory_utilization: float = 0.9
    api_key: str | None = None
    # transformers backend on CPU: torch threads (None: the cores this process may use, <= 16)
    threads: int | None = None
    # openai backend: any OpenAI-compatible server (e.g. `vllm serve`); the key is api_key above
    base_url: str | None = None  # e.g. http://gpu-host:8000/v1 (the part before /chat/completions)
    max_concurrency: int = 8  # requests in flight at once
    timeout_s: float = 120.0  # per HTTP attempt (connect, send, wait for the whole reply)
    max_retries: int = 5  # extra attempts after a 429, a 5xx, a timeout or a refused connection
    # Response cache under <home>/cache/ (None: on for openai, whose calls cost, off for local
    # backends, whose output for a sampled request can depend on its batch-mates).
    cache: bool | None = None
    # ray backend (kgsynth.llm.ray_backend): replicas of an inner backend, one per Ray actor
    ray_replicas: int = 1  # actors, each with its own copy of the model (one vLLM engine)
    ray_gpus_per_replica: float = 0  # GPUs each actor reserves: tensor_parallel_size, or 0.5...
    ray_inner_backend: str = "vllm"  # vllm | transformers (what each actor loads)
    ray_batch_size: int = 256  # most requests sent to one actor in one call

    def validate(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(
                f"llm.backend must be one of {', '.join(sorted(BACKENDS))}, got {self.backend!r}"
            )
        if self.backend == "openai" and not self.base_url:
            raise ConfigError(
                "llm.backend 'openai' needs llm.base_url (or KGSYNTH_LLM_BASE_URL), "
                "e.g. http://localhost:8000/v1"
            )
        if self.base_url is not None and not re.match(r"^https?://[^/\s]+", self.base_url):
            raise ConfigError(
                f"llm.base_url must start with http:// or https://, got {mask_uri(self.base_url)}"
            )
        _positive("llm.max_concurrency", self.max_concurrency)
        _positive("llm.timeout_s", self.timeout_s)
        if self.max_retries < 0:
            raise ConfigError(f"llm.max_retries must be >= 0, got {self.max_retries}")
        if self.device not in {"auto", "cpu", "cuda"}:
            raise ConfigError(f"llm.device must be auto, cpu or cuda, got {self.device!r}")
        _positive("llm.batch_size", self.batch_size)
        _positive("llm.max_new_tokens", self.max_new_tokens)
        if not 0 <= self.temperature <= 5:
            raise ConfigError(f"llm.temperature must be in [0, 5], got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"llm.top_p must be in (0, 1], got {self.top_p}")
        if self.threads is not None:
            _positive("llm.threads", self.threads)
        self._validate_ray()

    def _validate_ray(self) -> None:
        _positive("llm.ray_replicas", self.ray_replicas)
        _positive("llm.ray_batch_size", self.ray_batch_size)
        gpus = self.ray_gpus_per_replica
        if gpus < 0 or (gpus > 1 and gpus != int(gpus)):
            raise ConfigError(
                f"llm.ray_gpus_per_replica must be 0, a fraction below 1 or a whole number, "
                f"got {gpus}"
            )
        if self.ray_inner_backend not in RAY_INNER_BACKENDS:
            raise ConfigError(
                "llm.ray_inner_backend must be one of "
                f"{', '.join(sorted(RAY_INNER_BACKENDS))}, got {self.ray_inner_backend!r}"
            )
        if (
            self.backend == "ray"
            and self.ray_inner_backend == "vllm"
            and self.tensor_parallel_size > 1
            and gpus != self.tensor_parallel_size
        ):
            raise ConfigError(
                "with llm.backend 'ray', each vLLM engine runs in one actor: set "
                f"llm.ray_gpus_per_replica to llm.tensor_parallel_size "
                f"({self.tensor_parallel_size}), got {gpus}"
            )


@dataclasses.dataclass(frozen=True)
class ExtractConfig:
    """Concept extraction (METHOD.md 2.2): topics per document and key concepts per topic."""

    min_topics: int = 1
    max_topics: int = 5
    min_concepts: int = 5
    max_concepts: int = 20
    max_chars: int = 4000  # document text is cut to this many characters in the prompt
    # Decoding for extraction calls; None: use llm.max_new_tokens / llm.temperature.
    max_new_tokens: int | None = None
    temperature: float | None = None

    def validate(self) -> None:
        _range("extract topics", self.min_topics, self.max_topics)
        _range("extract concepts", self.min_concepts, self.max_concepts)
        _positive("extract.max_chars", self.max_chars)
        if self.max_new_tokens is not None:
            _positive("extract.max_new_tokens", self.max_new_tokens)
        if self.temperature is not None and not 0 <= self.temperature <= 5:
            raise ConfigError(f"extract.temperature must be in [0, 5], got {self.temperature}")


@dataclasses.dataclass(frozen=True)
class DedupConfig:
    """Near-duplicate concept merging with embeddings and FAISS."""

    threshold: float = 0.9  # cosine similarity at or above which two names are duplicates
    batch_size: int = 256  # names per encoder batch
    model: str = "all-MiniLM-L6-v2"  # the packaged model; or a sentence-transformers path
    device: str = "auto"  # auto (cuda when available) | cpu | cuda; for the encoder
    merge_batch_size: int = 200  # merges written per graph transaction

    def validate(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ConfigError(f"dedup.threshold must be in (0, 1], got {self.threshold}")
        if self.device not in {"auto", "cpu", "cuda"}:
            raise ConfigError(f"dedup.device must be auto, cpu or cuda, got {self.device!r}")
        _positive("dedup.batch_size", self.batch_size)
        _positive("dedup.merge_batch_size", self.merge_batch_size)


@dataclasses.dataclass(frozen=True)
class SampleConfig:
    """The Level-3 random walk (METHOD.md 2.3); defaults are the paper's."""

    epochs: int = 5
    topic_steps_min: int = 1
    topic_steps_max: int = 2
    concept_steps_min: int = 3
    concept_steps_max: int = 4
    epsilon: float = 1e-5
    temperature: float = 1.0
    references: int = 2
    seed: int = 0
    skip_used: bool = False  # skip sets already sampled by earlier runs
    coverage_bias: float = 0.0  # 0 = the paper; >0 favours concepts used least by earlier runs
    batch_size: int = 2000
    max_sets: int | None = None
    # A walk never steps onto a node it already visited (same label) unless this is set.
    allow_revisits: bool = False
    # At a node with no (unvisited) neighbour: "end_phase" ends the current phase early and goes
    # on with the next phase from that node; "end_walk" ends the whole walk. Both are recorded.
    dead_end: str = "end_phase"

    def validate(self) -> None:
        _positive("sample.epochs", self.epochs)
        _range("sample topic steps", self.topic_steps_min, self.topic_steps_max, low=0)
        _range("sample concept steps", self.concept_steps_min, self.concept_steps_max, low=0)
        if self.epsilon <= 0:
            raise ConfigError(f"sample.epsilon must be > 0, got {self.epsilon}")
        if self.temperature <= 0:
            raise ConfigError(f"sample.temperature must be > 0, got {self.temperature}")
        if self.coverage_bias < 0:
            raise ConfigError(f"sample.coverage_bias must be >= 0, got {self.coverage_bias}")
        _positive("sample.references", self.references)
        _positive("sample.batch_size", self.batch_size)
        if self.max_sets is not None:
            _positive("sample.max_sets", self.max_sets)
        if self.dead_end not in {"end_phase", "end_walk"}:
            raise ConfigError(
                f"sample.dead_end must be 'end_phase' or 'end_walk', got {self.dead_end!r}"
            )


@dataclasses.dataclass(frozen=True)
class GenerateConfig:
    """Question and answer generation."""

    questions_per_set: int = 3  # Level-3 questions asked per concept set (paper: 1-3)
    max_sets: int | None = None
    reference_chars: int = 1500  # each reference document is cut to this many characters
    shard_size: int = 64  # inputs (concept sets or documents) per shard of the output tables
    questions_per_document: int = 5  # Levels 1-2: at most this many questions per document
    max_documents: int | None = None  # Levels 1-2: only the first N documents in id order
    document_chars: int = 4000  # Levels 1-2: the document is cut to this many characters
    question_max_new_tokens: int | None = None  # None: llm.max_new_tokens
    answer_max_new_tokens: int | None = None  # None: llm.max_new_tokens
    answer_temperature: float | None = None  # None: llm.temperature

    def validate(self) -> None:
        _range("generate questions_per_set", 1, self.questions_per_set)
        if self.questions_per_set > 5:
            raise ConfigError(
                f"generate.questions_per_set must be 1-5, got {self.questions_per_set}"
            )
        if not 1 <= self.questions_per_document <= 5:
            raise ConfigError(
                f"generate.questions_per_document must be 1-5, got {self.questions_per_document}"
            )
        _positive("generate.reference_chars", self.reference_chars)
        _positive("generate.shard_size", self.shard_size)
        _positive("generate.document_chars", self.document_chars)
        for name in (
            "max_sets",
            "max_documents",
            "question_max_new_tokens",
            "answer_max_new_tokens",
        ):
            value = getattr(self, name)
            if value is not None:
                _positive(f"generate.{name}", value)
        if self.answer_temperature is not None and not 0 <= self.answer_temperature <= 5:
            raise ConfigError(
                f"generate.answer_temperature must be in [0, 5], got {self.answer_temperature}"
            )


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a command needs, validated before any database or model is touched."""

    home: Path = Path(".kgsynth")
    runs_dir: Path = Path("runs")
    log_level: str = "WARNING"
    neo4j: Neo4jConfig = dataclasses.field(default_factory=Neo4jConfig)
    llm: LLMConfig = dataclasses.field(default_factory=LLMConfig)
    extract: ExtractConfig = dataclasses.field(default_factory=ExtractConfig)
    dedup: DedupConfig = dataclasses.field(default_factory=DedupConfig)
    sample: SampleConfig = dataclasses.field(default_factory=SampleConfig)
    generate: GenerateConfig = dataclasses.field(default_factory=GenerateConfig)

    def validate(self) -> Settings:
        for section in (self.llm, self.extract, self.dedup, self.sample, self.generate):
            section.validate()
        if self.neo4j.uri is not None and not re.match(
            r"^(bolt|neo4j)(\+s|\+ssc)?://", self.neo4j.uri
        ):
            raise ConfigError(
                "neo4j.uri must start with bolt://, neo4j://, bolt+s:// or neo4j+s:// "
                f"(got {mask_uri(self.neo4j.uri)})"
            )
        return self

    def with_section(self, name: str, **changes: Any) -> Settings:
        """A copy with some fields of one section replaced (None values are ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            return self
        if name == "":
            return dataclasses.replace(self, **changes).validate()
        section = dataclasses.replace(getattr(self, name), **changes)
        return dataclasses.replace(self, **{name: section}).validate()


def load_settings(
    config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build and validate Settings from defaults, ``kgsynth.toml`` and the environment."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    path = config_file or Path(env.get("KGSYNTH_CONFIG", "kgsynth.toml"))
    if config_file is not None and not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: not valid TOML ({e})") from e
    return _build(Settings, data, "", env, str(path)).validate()


def _build(cls: type, data: Mapping[str, Any], section: str, env: Mapping[str, str], src: str):
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = get_type_hints(cls)
    unknown = set(data) - set(fields)
    if unknown:
        where = f"[{section}]" if section else "top level"
        raise ConfigError(
            f"{src}: unknown key(s) {sorted(unknown)} in {where}; expected one of {sorted(fields)}"
        )
    values: dict[str, Any] = {}
    for name in fields:
        typ = hints[name]
        if dataclasses.is_dataclass(typ):
            sub = data.get(name, {})
            if not isinstance(sub, Mapping):
                raise ConfigError(f"{src}: [{name}] must be a table")
            values[name] = _build(typ, sub, name, env, src)  # type: ignore[arg-type]
            continue
        prefix = f"KGSYNTH_{section.upper()}_" if section else "KGSYNTH_"
        env_name = prefix + name.upper()
        if (section, name) in SECRET_FIELDS and name in data and "${" not in str(data[name]):
            raise ConfigError(
                f"{src}: {section}.{name} is a secret; set {env_name} in the environment "
                'or reference a variable as "${NAME}" instead of writing it in the file'
            )
        if env_name in env:
            values[name] = _coerce(env[env_name], typ, env_name)
        elif name in data:
            value = _expand_env(data[name], env, src)
            values[name] = _coerce(value, typ, f"{src}: {section or 'top'}.{name}")
    return cls(**values)


def _coerce(value: Any, typ: Any, where: str) -> Any:
    """Convert a toml or environment value to the field's declared type."""
    args = get_args(typ)
    if get_origin(typ) in (Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in {"", "none", "null"}):
            return None
        typ = next(a for a in args if a is not type(None))
    try:
        if typ is bool:
            if isinstance(value, bool):
                return value
            if str(value).lower() in {"1", "true", "yes", "on"}:
                return True
            if str(value).lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if typ is Path:
            return Path(str(value))
        if typ in (int, float, str):
            if typ is int and isinstance(value, float):
                raise ValueError(value)
            return typ(value)
    except (TypeError, ValueError) as e:
        expected = getattr(typ, "__name__", typ)
        raise ConfigError(f"{where}: expected {expected}, got {value!r}") from e
    return value


def _expand_env(data: Any, env: Mapping[str, str], src: str) -> Any:
    if isinstance(data, dict):
        return {k: _expand_env(v, env, src) for k, v in data.items()}
    if isinstance(data, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in env:
                raise ConfigError(f"{src}: references ${{{m.group(1)}}}, which is not set")
            return env[m.group(1)]

        return _ENV_REF.sub(sub, data)
    return data


def _positive(name: str, value: int | float) -> None:
    if value <= 0:
        raise ConfigError(f"{name} must be > 0, got {value}")


def _range(name: str, low_value: int, high_value: int, low: int = 1) -> None:
    if low_value < low or high_value < low_value:
        raise ConfigError(
            f"{name}: expected {low} <= min <= max, got min={low_value}, max={high_value}"
        )


def mask_uri(uri: str) -> str:
    """The URI with any inline password replaced by ***, safe to print."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", uri)


def mask(text: str, secrets: list[str | None]) -> str:
    """``text`` with every known secret value replaced by ***."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text
