"""Where the graph is, and opening it: :func:`open_graph` yields a ready GraphRepository.

``open_graph(settings)`` connects to ``KGSYNTH_NEO4J_URI`` when set (Neo4j, Aura, a cluster via
``neo4j://``) or else to the local ArcadeDB, shared with the home's other commands (see
:mod:`kgsynth.graph.localserver`). Schema migrations are applied on open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kgsynth.config import Settings, mask_uri
from kgsynth.graph import localserver
from kgsynth.graph.migrator import Migrator
from kgsynth.graph.repository import GraphRepository


@dataclass(frozen=True)
class Connection:
    """Where the graph is. ``local`` is set when kgsynth manages the server itself."""

    uri: str
    user: str
    password: str | None
    database: str | None
    local: localserver.ServerState | None = None

    @property
    def safe_uri(self) -> str:
        return mask_uri(self.uri)


def connection_for(settings: Settings) -> Connection | None:
    """The external server from settings, or None when the local server is meant."""
    cfg = settings.neo4j
    if not cfg.uri:
        return None
    return Connection(cfg.uri, cfg.user, cfg.password, cfg.database)


@contextmanager
def open_graph(settings: Settings, migrate: bool = True) -> Iterator[GraphRepository]:
    """Connect (sharing or starting the local server when needed), migrate, yield, clean up."""
    connection = connection_for(settings)
    if connection is not None:
        yield from _opened(connection, migrate)
        return
    cfg = settings.neo4j
    with localserver.use_local_server(settings.home, cfg.password, cfg.local_database) as (
        state,
        password,
    ):
        local = Connection(state.uri, localserver.USER, password, state.database, state)
        yield from _opened(local, migrate)


def _opened(connection: Connection, migrate: bool) -> Iterator[GraphRepository]:
    store = GraphRepository(connection)
    try:
        if migrate:
            Migrator(store).migrate()
        yield store
    finally:
        store.close()
