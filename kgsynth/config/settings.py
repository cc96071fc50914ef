"""The one Settings object: every section, validated before any database or model is touched."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TypeVar

from kgsynth.config.curate import CurateConfig
from kgsynth.config.filter import FilterConfig
from kgsynth.config.graph import Neo4jConfig
from kgsynth.config.llm import LLMConfig
from kgsynth.config.names import NamesConfig
from kgsynth.config.prompts import PromptsConfig
from kgsynth.config.stages import DedupConfig, ExtractConfig, GenerateConfig, SampleConfig

S = TypeVar("S")


def changed(section: S, **changes: Any) -> S:
    """A copy of one settings section with some fields replaced; ``None`` means "not given".

    Used with :meth:`Settings.updated` for command-line overrides:
    ``settings.updated(sample=changed(settings.sample, seed=seed))``.
    """
    given = {k: v for k, v in changes.items() if v is not None}
    return dataclasses.replace(section, **given) if given else section  # type: ignore[type-var]


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a command needs. Read once at the CLI edge and passed down."""

    home: Path = Path(".kgsynth")
    runs_dir: Path = Path("runs")
    log_level: str = "WARNING"
    neo4j: Neo4jConfig = dataclasses.field(default_factory=Neo4jConfig)
    llm: LLMConfig = dataclasses.field(default_factory=LLMConfig)
    extract: ExtractConfig = dataclasses.field(default_factory=ExtractConfig)
    dedup: DedupConfig = dataclasses.field(default_factory=DedupConfig)
    names: NamesConfig = dataclasses.field(default_factory=NamesConfig)
    sample: SampleConfig = dataclasses.field(default_factory=SampleConfig)
    generate: GenerateConfig = dataclasses.field(default_factory=GenerateConfig)
    prompts: PromptsConfig = dataclasses.field(default_factory=PromptsConfig)
    filter: FilterConfig = dataclasses.field(default_factory=FilterConfig)
    curate: CurateConfig = dataclasses.field(default_factory=CurateConfig)

    def validate(self) -> Settings:
        for section in self.sections():
            section.validate()
        return self

    def sections(self) -> list[Any]:
        """Every settings section (the dataclass-typed fields), each with ``validate()``."""
        return [
            getattr(self, f.name)
            for f in dataclasses.fields(self)
            if dataclasses.is_dataclass(getattr(self, f.name))
        ]

    def updated(self, **changes: Any) -> Settings:
        """A validated copy with whole sections (or top-level fields) replaced; None = keep."""
        given = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **given).validate() if given else self
