"""The query catalog: every name the code uses exists, and an installed (non-editable) wheel
still finds cypher/, migrations/ and examples/. (That every .cypher file is executed by some
test is checked at the end of a full run, see conftest.py.)"""

from __future__ import annotations

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
