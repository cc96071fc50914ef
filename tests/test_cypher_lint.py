"""Every Cypher statement in cypher/, migrations/ and tests/cypher/ passes Neo4j's own linter.

Errors (severity 1: syntax, undefined variable, undeclared parameter) and warnings
(severity 2: deprecations such as ``CALL { WITH a ... }``) both fail. The linter is the npm
package pinned in tests/cypherlint/package.json; install it with
``npm ci --prefix tests/cypherlint``.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CYPHER = ROOT / "cypher"
MIGRATIONS = ROOT / "migrations"
TEST_CYPHER = TESTS / "cypher"  # statements only tests run (see tests/graph_helpers.py)

if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from cypherlint.runner import lint_statements, split_statements  # noqa: E402

FAILING = {1: "error", 2: "warning"}


def _cypher_files() -> list[Path]:
    """The runtime catalog's files and the test-only statements (one statement per file)."""
    return [
        path
        for folder in (CYPHER, TEST_CYPHER)
        if folder.is_dir()
        for path in sorted(folder.rglob("*.cypher"))
    ]


def _migration_files() -> list[Path]:
    return sorted(MIGRATIONS.glob("*.cypher")) if MIGRATIONS.is_dir() else []


def _statements() -> dict[str, tuple[str, str]]:
    """name -> (where, text): each cypher/ file whole, each migration statement apart."""
    out: dict[str, tuple[str, str]] = {}
    for path in _cypher_files():
        rel = path.relative_to(ROOT).as_posix()
        out[rel] = (rel, path.read_text(encoding="utf-8"))
    for path in _migration_files():
        rel = path.relative_to(ROOT).as_posix()
        for i, stmt in enumerate(split_statements(path.read_text(encoding="utf-8")), 1):
            first = stmt.splitlines()[0][:60]
            out[f"{rel}#{i}"] = (f"{rel} statement {i} ({first!r}...)", stmt)
    return out


def test_every_statement_passes_the_neo4j_linter() -> None:
    statements = _statements()
    results = lint_statements([(name, text) for name, (_, text) in statements.items()])
    problems = [
        f"{statements[name][0]}:{d['line']}:{d['character']}: "
        f"{FAILING[d['severity']]}: {d['message']}"
        for name, diagnostics in results.items()
        for d in diagnostics
        if d["severity"] in FAILING
    ]
    assert not problems, "Cypher linter diagnostics:\n" + "\n".join(problems)


def test_each_cypher_file_holds_one_statement() -> None:
    several = [
        f"{path.relative_to(ROOT).as_posix()}: {n} statements"
        for path in _cypher_files()
        if (n := len(split_statements(path.read_text(encoding="utf-8")))) != 1
    ]
    assert not several, "cypher/ files must hold exactly one statement:\n" + "\n".join(several)


def test_cypher_and_migrations_are_not_empty() -> None:
    assert any(CYPHER.rglob("*.cypher")), f"no .cypher files under {CYPHER}"
    assert _migration_files(), f"no .cypher migrations in {MIGRATIONS}"


def test_harness_reports_errors_and_deprecations() -> None:
    results = lint_statements(
        [
            ("broken", "MATCH (n RETURN n"),
            ("deprecated", "MATCH (a) CALL { WITH a RETURN a AS b } RETURN b"),
            ("undeclared", "MATCH (n) WHERE n.id = $id RETURN m"),
            (
                "clean",
                "// reads $rows and $seed\n"
                "UNWIND $rows AS row\n"
                "MERGE (c:Concept {id: row.id})\n"
                "SET c.seed = $seed, c.note = '$not_a_param'\n"
                "WITH c CALL (c) { RETURN c.id AS cid } RETURN count(cid) AS n",
            ),
        ]
    )
    assert any(d["severity"] == 1 for d in results["broken"]), results["broken"]
    assert any(
        d["severity"] == 2 and "deprecated" in d["message"] for d in results["deprecated"]
    ), results["deprecated"]
    # $id is declared from the text, so the only error is the undefined variable m.
    assert [d["message"] for d in results["undeclared"]] == ["Variable `m` not defined"]
    assert results["clean"] == [], results["clean"]


def test_split_statements() -> None:
    text = (
        "// V0001: constraints\n"
        "CREATE CONSTRAINT a IF NOT EXISTS FOR (c:Concept) REQUIRE c.id IS UNIQUE;\n"
        "\n"
        "  // second one\n"
        "CREATE INDEX b IF NOT EXISTS\n"
        "FOR (d:Document) ON (d.source);  \n"
        ";\n"
        "CREATE INDEX c IF NOT EXISTS FOR (t:Topic) ON (t.name)\n"
    )
    assert split_statements(text) == [
        "CREATE CONSTRAINT a IF NOT EXISTS FOR (c:Concept) REQUIRE c.id IS UNIQUE",
        "CREATE INDEX b IF NOT EXISTS\nFOR (d:Document) ON (d.source)",
        "CREATE INDEX c IF NOT EXISTS FOR (t:Topic) ON (t.name)",
    ]
