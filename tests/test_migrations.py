"""Migrations on an empty database: applied once, checksums stored, edits refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgsynth.assets import asset_dir
from kgsynth.errors import MigrationError
from kgsynth.graph import GraphRepository
from kgsynth.graph.migrator import Migrator, migration_files
from tests.graph_helpers import run_test_cypher


@pytest.fixture
def empty_store(graph: GraphRepository) -> GraphRepository:
    """The session graph with its migration records removed (the schema stays: IF NOT EXISTS)."""
    graph.clear_graph()
    graph.forget_migrations()
    return graph


def test_migrate_applies_every_file_once(empty_store: GraphRepository) -> None:
    files = migration_files()
    versions = [f.version for f in files]
    assert versions == sorted(set(versions)) and versions[0] == 1  # gaps allowed (reserved)
    migrator = Migrator(empty_store)
    assert [f.version for f in migrator.status().pending] == [f.version for f in files]
    applied = migrator.migrate()
    assert [f.version for f in applied] == [f.version for f in files]
    rows = empty_store.applied_migrations()
    assert [r["checksum"] for r in rows] == [f.checksum for f in files]
    assert migrator.migrate() == []  # second run: nothing to do
    assert migrator.status().current_version == files[-1].version


def test_edited_applied_migration_is_refused(empty_store: GraphRepository, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(asset_dir("migrations"), folder)
    Migrator(empty_store, folder).migrate()
    first = sorted(folder.glob("V0001__*.cypher"))[0]
    first.write_text(first.read_text() + "\n// edited\n")
    with pytest.raises(MigrationError) as e:
        Migrator(empty_store, folder).status()
    assert "was edited after it was applied" in str(e.value)
    # and restoring the file makes it acceptable again
    shutil.copy(asset_dir("migrations") / first.name, first)
    assert Migrator(empty_store, folder).status().pending == []


def test_misnamed_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "V1_bad.cypher").write_text("RETURN 1")
    with pytest.raises(MigrationError, match="V0001__Description"):
        migration_files(tmp_path)


def test_schema_enforces_unique_keys(graph: GraphRepository) -> None:
    from kgsynth.errors import QueryError

    graph.write("write_topics", rows=[{"key": "algebra", "name": "Algebra"}])
    with pytest.raises(QueryError):
        run_test_cypher(graph, "create_duplicate_topic", key="algebra")
