"""Prompt templates: one ``.jinja2`` file per prompt, with declared variables checked at load.

File format::

    {# variables: text, max_topics #}
    {% block system %}...the system message...{% endblock %}
    {% block user %}...the user message...{% endblock %}

The first line declares every variable the template uses; loading fails unless that list
equals what jinja2 finds in the template, and rendering fails on a missing or unknown
value. Each output row records the template ``name`` and ``sha256`` (of the file text), so
a changed prompt is visible in the data. Which templates kgsynth uses, and what it passes to
each, is in :mod:`kgsynth.prompts.catalog`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta

from kgsynth.errors import ConfigError

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
SUFFIX = ".jinja2"
BLOCKS = ("system", "user")

_HEADER = re.compile(r"^\{#\s*variables:(?P<names>[^#]*)#\}")
_NAME = re.compile(r"^[a-z0-9_]+$")
_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # plain-text prompts, not HTML
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class PromptTemplate:
    """A loaded template: ``variables`` are the names it uses, which ``render`` requires.

    ``accepts`` (default: ``variables``) are the names ``render`` takes: a template may leave
    some of what its caller passes unused (a custom prompt that writes its domain out, for
    example); values it does not use are dropped. ``bound`` holds values fixed at load time
    (the run's ``domain``), filled in unless ``render`` is given them.
    """

    name: str
    text: str
    sha256: str
    variables: frozenset[str]
    _template: jinja2.Template = field(repr=False, compare=False)
    accepts: frozenset[str] = frozenset()
    bound: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def render(self, **values: Any) -> list[dict[str, str]]:
        """The chat messages (system, then user) with ``values`` filled in."""
        given = {**self.bound, **values}
        missing = self.variables - given.keys()
        unknown = values.keys() - (self.accepts | self.variables)
        if missing or unknown:
            raise ConfigError(
                f"prompt {self.name!r} takes {sorted(self.variables)}; "
                f"missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        used = {k: v for k, v in given.items() if k in self.variables}
        context = self._template.new_context(used)
        try:
            parts = {b: "".join(self._template.blocks[b](context)).strip() for b in BLOCKS}
        except jinja2.TemplateError as e:
            raise ConfigError(f"prompt {self.name!r} failed to render: {e}") from e
        return [{"role": role, "content": parts[role]} for role in BLOCKS]


def available_prompts(directory: Path | None = None) -> list[str]:
    """The names of every template in ``directory`` (default: kgsynth's own templates)."""
    folder = directory or TEMPLATE_DIR
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}"))


def load_prompt(name: str, directory: Path | None = None) -> PromptTemplate:
    """Load and check the template ``name`` from ``directory`` (default: kgsynth's own)."""
    folder = directory or TEMPLATE_DIR
    if not _NAME.match(name):
        raise ConfigError(f"prompt name must be lowercase letters, digits or _, got {name!r}")
    path = folder / f"{name}{SUFFIX}"
    if not path.is_file():
        raise ConfigError(
            f"no prompt template {path}; available: {', '.join(available_prompts(folder))}"
        )
    text = path.read_text(encoding="utf-8")
    header = _HEADER.match(text)
    if header is None:
        raise ConfigError(
            f"{path}: the first line must declare the variables, e.g. {{# variables: text #}}"
        )
    declared = frozenset(v.strip() for v in header["names"].split(",") if v.strip())
    try:
        ast = _ENV.parse(text)
        template = _ENV.from_string(text)
    except jinja2.TemplateSyntaxError as e:
        raise ConfigError(f"{path}:{e.lineno}: template syntax error: {e.message}") from e
    used = jinja2.meta.find_undeclared_variables(ast)
    if used != declared:
        raise ConfigError(
            f"{path}: declared variables {sorted(declared)} differ from those used "
            f"{sorted(used)} (undeclared: {sorted(used - declared)}, "
            f"unused: {sorted(declared - used)})"
        )
    if set(template.blocks) != set(BLOCKS):
        raise ConfigError(
            f"{path}: expected exactly the blocks {list(BLOCKS)}, found {sorted(template.blocks)}"
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return PromptTemplate(name, text, digest, declared, template, path=path)
