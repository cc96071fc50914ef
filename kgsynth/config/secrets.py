"""Secrets: which settings are secret, and masking them in anything printed or logged.

Secrets (the database password, API keys) come only from the environment; a ``kgsynth.toml``
may reference one as ``"${NAME}"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kgsynth.errors import ConfigError

# (section path, field): never accepted as a literal in kgsynth.toml.
SECRET_FIELDS = {("neo4j", "password"), ("llm.openai", "api_key")}
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


_URI_USERINFO = re.compile(r"(://[^:/@\s'\"]+:)[^@\s'\"]*@")


def mask_uri(uri: str) -> str:
    """``uri`` (or any text holding URIs) with inline passwords replaced by ***, safe to print."""
    return _URI_USERINFO.sub(r"\1***@", uri)


def mask(text: str, secrets: list[str | None]) -> str:
    """``text`` with every known secret value, and every password inside a URI, as ***."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return mask_uri(text)


def expand_env_refs(data: Any, env: Mapping[str, str], src: str) -> Any:
    """Replace ``${NAME}`` in toml strings with the environment variable's value."""
    if isinstance(data, dict):
        return {k: expand_env_refs(v, env, src) for k, v in data.items()}
    if isinstance(data, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in env:
                raise ConfigError(f"{src}: references ${{{m.group(1)}}}, which is not set")
            return env[m.group(1)]

        return _ENV_REF.sub(sub, data)
    return data
