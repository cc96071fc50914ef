"""Reading Settings from defaults, ``kgsynth.toml`` and ``KGSYNTH_*`` environment variables.

Sources, lowest precedence first: defaults, ``kgsynth.toml`` (sections named like the
Settings fields; nested sections as ``[llm.vllm]``), ``KGSYNTH_<SECTION>_<FIELD>`` environment
variables (top-level fields: ``KGSYNTH_<FIELD>``; nested: ``KGSYNTH_LLM_VLLM_<FIELD>``), then
command-line options. Unknown keys are rejected. Secrets come only from the environment.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from kgsynth.config.llm import FLAT_ALIASES
from kgsynth.config.secrets import SECRET_FIELDS, expand_env_refs
from kgsynth.config.settings import Settings
from kgsynth.errors import ConfigError

# Section -> {old flat key: (nested section, field)} still accepted in toml and environment.
ALIASES: dict[str, dict[str, tuple[str, str]]] = {"llm": FLAT_ALIASES}


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
    aliases = ALIASES.get(section, {})
    data = _unflatten(data, aliases, section, src)
    unknown = set(data) - set(fields)
    if unknown:
        where = f"[{section}]" if section else "top level"
        expected = sorted({*fields, *aliases})
        raise ConfigError(
            f"{src}: unknown key(s) {sorted(unknown)} in {where}; expected {expected}"
        )
    values: dict[str, Any] = {}
    for name in fields:
        typ = hints[name]
        path = f"{section}.{name}" if section else name
        if dataclasses.is_dataclass(typ):
            sub = data.get(name, {})
            if not isinstance(sub, Mapping):
                raise ConfigError(f"{src}: [{path}] must be a table")
            values[name] = _build(typ, sub, path, env, src)  # type: ignore[arg-type]
            continue
        env_names = [_env_name(section, name), *_legacy_env_names(section, name)]
        if (section, name) in SECRET_FIELDS and name in data and "${" not in str(data[name]):
            raise ConfigError(
                f"{src}: {path} is a secret; set {env_names[0]} in the environment "
                'or reference a variable as "${NAME}" instead of writing it in the file'
            )
        given = next((n for n in env_names if n in env), None)
        if given is not None:
            values[name] = _coerce(env[given], typ, given)
        elif name in data:
            value = expand_env_refs(data[name], env, src)
            values[name] = _coerce(value, typ, f"{src}: {section or 'top'}.{name}")
    return cls(**values)


def _env_name(section: str, name: str) -> str:
    prefix = "KGSYNTH_" + "".join(part.upper() + "_" for part in section.split(".") if part)
    return prefix + name.upper()


def _legacy_env_names(section: str, name: str) -> list[str]:
    """``KGSYNTH_LLM_BASE_URL`` for ``llm.openai.base_url``: the flat names still read."""
    parent, _, child = section.rpartition(".")
    return [
        _env_name(parent, flat)
        for flat, target in ALIASES.get(parent, {}).items()
        if target == (child, name)
    ]


def _unflatten(
    data: Mapping[str, Any], aliases: Mapping[str, tuple[str, str]], section: str, src: str
) -> dict[str, Any]:
    """Move flat alias keys of a section into their nested tables."""
    out = dict(data)
    for flat, (child, name) in aliases.items():
        if flat not in out:
            continue
        table = dict(out.get(child, {}))
        if name in table:
            raise ConfigError(f"{src}: both {section}.{flat} and {section}.{child}.{name} are set")
        table[name] = out.pop(flat)
        out[child] = table
    return out


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
