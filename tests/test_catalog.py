"""The query catalog: every name the code uses exists, only kgsynth/graph/ names queries, and
an installed (non-editable) wheel still finds cypher/, migrations/ and examples/. (That every
.cypher file is executed by some test is checked at the end of a full run, see conftest.py.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from kgsynth.graph.catalog import catalog

REPO = Path(__file__).resolve().parents[1]


def test_every_query_name_used_in_code_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""\.(?:read|write|write_batches)\(\s*["']([\w/]+)["']""")
    step = re.compile(r"""\(\s*["']([a-z_/]+)["']\s*,\s*\{""")
    for path in (REPO / "kgsynth").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(pattern.findall(text))
        used |= {n for n in step.findall(text) if n in catalog() or "_" in n}
    missing = sorted(n for n in used if n not in catalog())
    assert not missing, f"code refers to queries that have no file: {missing}"


def query_names_outside_graph(root: Path) -> list[str]:
    """``file:line: name`` for every string constant (docstrings included) in ``root``'s
    kgsynth/ modules outside kgsynth/graph/ that equals a catalogued query name."""
    names = set(catalog())
    found = []
    for path in sorted((root / "kgsynth").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("kgsynth/graph/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=rel)):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    return found


def test_only_the_graph_package_names_queries() -> None:
    """Stages, CLI and analysis call GraphRepository methods, never a query by name."""
    found = query_names_outside_graph(REPO)
    assert not found, "query names outside kgsynth/graph/:\n" + "\n".join(found)


def test_a_query_name_outside_the_graph_package_is_found(tmp_path: Path) -> None:
    stages, graph = tmp_path / "kgsynth" / "stages", tmp_path / "kgsynth" / "graph"
    stages.mkdir(parents=True)
    graph.mkdir()
    (stages / "x.py").write_text('STEP = {"concept": "walk_step"}\n')
    (stages / "y.py").write_text('def f(s):\n    return s.read("graph_counts")\n')
    (graph / "z.py").write_text('def f(s):\n    return s.read("graph_counts")\n')
    assert query_names_outside_graph(tmp_path) == [
        "kgsynth/stages/x.py:1: 'walk_step'",
        "kgsynth/stages/y.py:2: 'graph_counts'",
    ]


def test_installed_wheel_carries_the_assets(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("kgsynth-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("cypher", "migrations"):
        for f in (REPO / folder).rglob("*.cypher"):
            rel = f.relative_to(REPO).as_posix()
            assert f"kgsynth/_assets/{rel}" in names, rel
    assert "kgsynth/_assets/examples/math_corpus.jsonl" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import kgsynth.graph.catalog as c, kgsynth.assets as a;"
        "print(a.asset_dir('migrations'));print(len(c.catalog()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(site)},
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert out[0] == str(site / "kgsynth" / "_assets" / "migrations")
    assert int(out[1]) == len(catalog())
