"""Shared fixtures: one real graph server per test session.

By default the session starts kgsynth's local ArcadeDB (Bolt) in a temporary folder. With
``KGSYNTH_TEST_NEO4J_URI`` (+ ``_USER``, ``_PASSWORD``, ``_DATABASE``) set, the graph tier runs
against that real Neo4j instead; its data is cleared between tests, so point it at a
throwaway database.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgsynth.assets import asset_dir
from kgsynth.config import Neo4jConfig, Settings
from kgsynth.graph import GraphRepository, localserver
from kgsynth.graph.connect import Connection
from kgsynth.graph.migrator import Migrator

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
EXECUTED_QUERIES: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    """Record every catalogued query a test executes (for the guard in pytest_sessionfinish)."""
    import kgsynth.graph.store as store_module

    original = store_module.query

    def recording_query(name: str):  # type: ignore[no-untyped-def]
        EXECUTED_QUERIES.add(name)
        return original(name)

    store_module.query = recording_query  # type: ignore[assignment]


GRAPH_FIXTURES = {"graph", "settings", "graph_connection", "_session_store"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that use the real graph server get the ``graph`` marker (``pytest -m graph``)."""
    for item in items:
        if GRAPH_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.graph)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Guard: on a full run (no -k/-m, no file selection) every .cypher file must have run."""
    from kgsynth.graph.catalog import catalog

    opt = session.config.option
    selected = [a for a in session.config.args if Path(a).resolve() != REPO / "tests"]
    if opt.keyword or opt.markexpr or selected or exitstatus not in (0, 1):
        return
    never = sorted(set(catalog()) - EXECUTED_QUERIES)
    if never:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"GUARD FAILED: cypher files no test executed: {never}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def model_home() -> Path:
    """A kgsynth home shared across test runs that holds the converted packaged SmolLM2
    (``<home>/models``), so only the first run pays the GGUF conversion."""
    default = Path(tempfile.gettempdir()) / "kgsynth-test-models"
    return Path(os.environ.get("KGSYNTH_TEST_MODEL_HOME", default))


@pytest.fixture(scope="session")
def tiny_llama_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Llama built in code (gibberish output, right for plumbing tests)."""
    from tests.llm_fixtures import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_backend(tmp_path_factory: pytest.TempPathFactory, tiny_llama_folder: Path):  # type: ignore[no-untyped-def]
    """The transformers backend on the tiny Llama, batch size 2, one thread."""
    from kgsynth.config import llm_config
    from kgsynth.llm import load_backend

    cfg = llm_config(batch_size=2, threads=1, device="cpu")
    return load_backend(cfg, tmp_path_factory.mktemp("home"), str(tiny_llama_folder))


@pytest.fixture(scope="session")
def graph_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    """A running graph server for the whole session (local ArcadeDB unless a Neo4j is given)."""
    uri = os.environ.get("KGSYNTH_TEST_NEO4J_URI")
    if uri:
        yield Connection(
            uri,
            os.environ.get("KGSYNTH_TEST_NEO4J_USER", "neo4j"),
            os.environ.get("KGSYNTH_TEST_NEO4J_PASSWORD"),
            os.environ.get("KGSYNTH_TEST_NEO4J_DATABASE"),
        )
        return
    home = tmp_path_factory.mktemp("graph-home")
    password = localserver.local_password(home, None)
    state = localserver.start_server(home, password, "graph")
    try:
        yield Connection(state.uri, localserver.USER, password, state.database, state)
    finally:
        localserver.stop_server(home, state)


@pytest.fixture(scope="session")
def _session_store(graph_connection: Connection) -> Iterator[GraphRepository]:
    store = GraphRepository(graph_connection)
    Migrator(store).migrate()
    yield store
    store.close()


@pytest.fixture
def graph(_session_store: GraphRepository) -> GraphRepository:
    """The session's graph store, emptied (schema kept) before the test."""
    _session_store.clear_graph()
    return _session_store


@pytest.fixture
def settings(graph_connection: Connection, tmp_path: Path) -> Settings:
    """Settings that point at the session's graph server, with home and runs in tmp_path."""
    c = graph_connection
    neo4j = Neo4jConfig(uri=c.uri, user=c.user, password=c.password, database=c.database)
    return dataclasses.replace(
        Settings(), home=tmp_path / "home", runs_dir=tmp_path / "runs", neo4j=neo4j
    ).validate()


def chain_inputs(settings: Settings, model_home: Path, folder: Path) -> Path:
    """For whole-chain tests: the first 3 documents of the bundled corpus as ``docs.jsonl`` in
    ``folder``, and ``settings.home/models`` linked to the shared model cache."""
    lines = (asset_dir("examples") / "math_corpus.jsonl").read_text(encoding="utf-8")
    corpus = folder / "docs.jsonl"
    corpus.write_text("\n".join(lines.splitlines()[:3]) + "\n", encoding="utf-8")
    settings.home.mkdir(parents=True)
    (model_home / "models").mkdir(parents=True, exist_ok=True)
    (settings.home / "models").symlink_to(model_home / "models")
    return corpus


def graph_env(settings: Settings) -> dict[str, str]:
    """Environment variables that point a CLI invocation at the test graph and folders."""
    n = settings.neo4j
    env = {
        "KGSYNTH_HOME": str(settings.home),
        "KGSYNTH_RUNS_DIR": str(settings.runs_dir),
        "KGSYNTH_NEO4J_URI": n.uri or "",
        "KGSYNTH_NEO4J_USER": n.user,
        "KGSYNTH_NEO4J_PASSWORD": n.password or "",
    }
    if n.database:
        env["KGSYNTH_NEO4J_DATABASE"] = n.database
    return env
