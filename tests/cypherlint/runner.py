"""Run Neo4j's own Cypher linter (``lint.mjs``) over kgsynth's statements.

``lint_statements`` declares every ``$parameter`` a statement uses (the linter reports an
undeclared one as an error), sends all statements to one ``node lint.mjs`` process and
returns the diagnostics per name. Install the linter with
``npm ci --prefix tests/cypherlint``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LINT_JS = HERE / "lint.mjs"
PACKAGE = HERE / "node_modules" / "@neo4j-cypher" / "language-support"
INSTALL_HINT = "run `npm ci --prefix tests/cypherlint` (Node.js 20+ and npm needed)"

_PARAM = re.compile(r"\$(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*|[0-9]+)")
# Parameter names that hold a list (UNWIND $rows, IN $ids, ...); anything else gets a number.
_LIST_NAME = re.compile(
    r"(^|_)(rows|walks|sets|keys|ids|items|names|batch|batches|list|pairs|edges|"
    r"nodes|values|vectors|embeddings|documents|docs|concepts|topics|labels)$",
    re.IGNORECASE,
)
_SPLIT = re.compile(r";[ \t]*$", re.MULTILINE)


def _code_only(text: str) -> str:
    """``text`` with comments and string literals blanked out (backtick names kept)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif c in "'\"":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            out.append("''")
        elif c == "`":
            j = text.find("`", i + 1)
            j = n - 1 if j < 0 else j
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parameter_names(text: str) -> list[str]:
    """The ``$names`` used in ``text``, outside comments and strings, in order of use."""
    names: dict[str, None] = {}
    for raw in _PARAM.findall(_code_only(text)):
        names[raw.strip("`")] = None
    return list(names)


def placeholder(name: str) -> Any:
    """A plausible value for ``$name``; the linter only needs it declared."""
    return [] if _LIST_NAME.search(name) else 0


def split_statements(text: str) -> list[str]:
    """A migration file's statements: ``//`` comment lines dropped, split on ';' at line ends."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    return [part.strip() for part in _SPLIT.split(body) if part.strip()]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node is not on PATH; install Node.js, then {INSTALL_HINT}")
    if not PACKAGE.is_dir():
        raise RuntimeError(f"the Cypher linter is not installed: {INSTALL_HINT}")
    return node


def lint_statements(items: list[tuple[str, str]], timeout: float = 300) -> dict[str, list[dict]]:
    """Lint ``(name, cypher text)`` pairs; the diagnostics of each, keyed by name.

    A diagnostic is ``{"severity", "message", "line", "character"}`` (severity 1 = error,
    2 = warning; line and character 1-based, within that statement's text).
    """
    if not items:
        return {}
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError("lint_statements: names must be unique")
    node = _node()
    payload = [
        {
            "name": name,
            "text": text,
            "parameters": {p: placeholder(p) for p in parameter_names(text)},
        }
        for name, text in items
    ]
    proc = subprocess.run(
        [node, str(LINT_JS)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=HERE,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        hint = f"; {INSTALL_HINT}" if "ERR_MODULE_NOT_FOUND" in proc.stderr else ""
        raise RuntimeError(
            f"lint.mjs failed (exit {proc.returncode}){hint}:\n{proc.stderr.strip()}"
        )
    results = json.loads(proc.stdout)
    by_name = {r["name"]: r["diagnostics"] for r in results}
    missing = set(names) - by_name.keys()
    if missing:
        raise RuntimeError(f"lint.mjs returned no result for {sorted(missing)}")
    return by_name
