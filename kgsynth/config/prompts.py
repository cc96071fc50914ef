"""Which field the prompts are about, and a folder of templates that replace the bundled ones."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from kgsynth.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class PromptsConfig:
    """``[prompts]``: the domain every template names (default mathematics) and a folder whose
    ``<name>.jinja2`` files replace the bundled templates by name (see
    :mod:`kgsynth.prompts.catalog`)."""

    domain: str = "mathematics"
    dir: Path | None = None

    def validate(self) -> None:
        if not self.domain.strip():
            raise ConfigError("prompts.domain must not be empty")
