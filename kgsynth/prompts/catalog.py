"""The prompts kgsynth uses, what it passes to each, and a user's folder that overrides them.

Every prompt has a contract: the variables kgsynth passes when it renders it. A template
must use the ``required`` ones (without them the reply cannot be about the input) and may
use the others; it may use nothing else. The bundled templates use all of them. With
``prompts.dir`` set, a file ``<dir>/<name>.jinja2`` replaces the bundled template of that
name; the others stay bundled. :func:`check_prompts` checks a whole folder before any model
is loaded and stops at the first problem with one line naming the file.

``domain`` (``prompts.domain``, default "mathematics") is bound at load time: every bundled
template says what field the questions are about with it, and a custom one may too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from kgsynth.config import PromptsConfig
from kgsynth.errors import ConfigError
from kgsynth.prompts.loader import SUFFIX, TEMPLATE_DIR, PromptTemplate, load_prompt


@dataclass(frozen=True)
class Contract:
    """What kgsynth passes to one prompt: names it must use, and names it may use."""

    required: frozenset[str]
    optional: frozenset[str]

    @property
    def accepts(self) -> frozenset[str]:
        return self.required | self.optional


def _contract(required: str, optional: str) -> Contract:
    return Contract(frozenset(required.split()), frozenset(optional.split()) | {"domain"})


CONTRACTS: dict[str, Contract] = {
    "extract": _contract("text", "levels min_topics max_topics min_concepts max_concepts"),
    "level1_question": _contract("text", "max_questions school_levels"),
    "level2_question": _contract("text concepts", "max_questions"),
    "level3_question": _contract("concepts", "references num_questions"),
    "answer": _contract("question", ""),
    "dedup_judge": _contract("a b", "a_docs b_docs"),
    "filter_syllabus": _contract("", "topics"),
    "filter_synthetic": _contract("topic", "genre"),
    "filter_rate": _contract("text", ""),
}
"""Prompt name -> the variables kgsynth renders it with (``domain`` is optional everywhere)."""


def prompt(name: str, cfg: PromptsConfig | None = None) -> PromptTemplate:
    """The template ``name``: from ``cfg.dir`` when that folder holds one, else the bundled
    one; checked against its contract, with ``domain`` bound."""
    cfg = cfg or PromptsConfig()
    if name not in CONTRACTS:
        raise ConfigError(f"no prompt {name!r}; kgsynth uses {', '.join(sorted(CONTRACTS))}")
    folder = cfg.dir if cfg.dir is not None and (cfg.dir / f"{name}{SUFFIX}").is_file() else None
    template = load_prompt(name, folder)
    contract = CONTRACTS[name]
    where = template.path or name
    missing = contract.required - template.variables
    if missing:
        raise ConfigError(
            f"{where}: the {name} prompt must use {_names(missing)}; kgsynth passes "
            f"{_names(contract.accepts)}"
        )
    unknown = template.variables - contract.accepts
    if unknown:
        raise ConfigError(
            f"{where}: uses {_names(unknown)}, which kgsynth does not pass to the {name} "
            f"prompt; it passes {_names(contract.accepts)}"
        )
    return replace(template, accepts=contract.accepts, bound={"domain": cfg.domain})


def check_prompts(cfg: PromptsConfig) -> None:
    """Load every prompt as a run would, and refuse files in ``cfg.dir`` that replace none
    (a misspelt name would otherwise be ignored silently)."""
    if cfg.dir is not None:
        if not cfg.dir.is_dir():
            raise ConfigError(f"prompts.dir {cfg.dir}: no such folder")
        for path in sorted(cfg.dir.glob(f"*{SUFFIX}")):
            if path.name[: -len(SUFFIX)] not in CONTRACTS:
                raise ConfigError(
                    f"{path}: not a prompt kgsynth uses; name it after one of "
                    f"{', '.join(f'{n}{SUFFIX}' for n in sorted(CONTRACTS))}"
                )
    for name in CONTRACTS:
        prompt(name, cfg)


def export_prompts(dest: Path, overwrite: bool = False) -> list[Path]:
    """Copy the bundled templates into ``dest`` (created), as a starting point for
    ``prompts.dir``. Refuses to replace existing files unless ``overwrite``."""
    sources = [TEMPLATE_DIR / f"{name}{SUFFIX}" for name in sorted(CONTRACTS)]
    targets = [dest / s.name for s in sources]
    existing = [t for t in targets if t.exists()]
    if existing and not overwrite:
        raise ConfigError(f"{existing[0]} exists; pass --overwrite to replace the files in {dest}")
    dest.mkdir(parents=True, exist_ok=True)
    for source, target in zip(sources, targets, strict=True):
        shutil.copyfile(source, target)
    return targets


def _names(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))
