"""Which graph server to use."""

from __future__ import annotations

import dataclasses
import re

from kgsynth.config.secrets import mask_uri
from kgsynth.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Neo4jConfig:
    """Without ``uri`` kgsynth runs a local ArcadeDB under ``home``."""

    uri: str | None = None
    user: str = "neo4j"
    password: str | None = None
    database: str | None = None
    # Local embedded server (only used when uri is None).
    bolt_port: int = 7687
    http_port: int = 2480
    local_database: str = "graph"
    batch_size: int = 2000

    def validate(self) -> None:
        if self.uri is not None and not re.match(r"^(bolt|neo4j)(\+s|\+ssc)?://", self.uri):
            raise ConfigError(
                "neo4j.uri must start with bolt://, neo4j://, bolt+s:// or neo4j+s:// "
                f"(got {mask_uri(self.uri)})"
            )
