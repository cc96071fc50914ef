"""Where the graph is, and opening it: :func:`open_graph` yields a ready GraphRepository.

``open_graph(settings)`` connects to ``KGSYNTH_NEO4J_URI`` when set (Neo4j, Aura, a cluster via
``neo4j://``) or else to the local ArcadeDB (started for the duration of the ``with`` block
unless ``kgsynth db start`` already runs one). Schema migrations are applied on open.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kgsynth.config import Settings, mask_uri
from kgsynth.graph import localserver
from kgsynth.graph.migrator import Migrator
from kgsynth.graph.repository import GraphRepository

log = logging.getLogger(__name__)


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
    """Connect (starting the local server when needed), migrate, yield, then clean up."""
    connection = connection_for(settings)
    started: localserver.ServerState | None = None
    if connection is None:
        cfg = settings.neo4j
        password = localserver.local_password(settings.home, cfg.password)
        state = localserver.running_server(settings.home)
        if state is None:
            log.info("starting the local ArcadeDB server under %s", settings.home)
            state = started = localserver.start_server(settings.home, password, cfg.local_database)
        connection = Connection(state.uri, localserver.USER, password, state.database, state)
    store: GraphRepository | None = None
    try:
        store = GraphRepository(connection)
        if migrate:
            Migrator(store).migrate()
        yield store
    finally:
        if store is not None:
            store.close()
        if started is not None:
            localserver.stop_server(settings.home, started)
