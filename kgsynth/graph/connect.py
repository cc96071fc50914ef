"""Where the graph is, and opening it: :func:`open_graph` yields a ready GraphRepository.

``open_graph(settings)`` connects to ``KGSYNTH_NEO4J_URI`` when set (Neo4j, Aura, a cluster via
``neo4j://``) or else to the local ArcadeDB, shared with the home's other commands (see
:mod:`kgsynth.graph.localserver`). Schema migrations are applied on open.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kgsynth.config import Settings, mask_uri
from kgsynth.graph import localserver
from kgsynth.graph.leases import home_lock
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
        yield from _opened(connection, migrate, contextlib.nullcontext())
        return
    cfg = settings.neo4j
    home = settings.home.resolve()
    with localserver.use_local_server(home, cfg.password, cfg.local_database) as (
        state,
        password,
    ):
        local = Connection(state.uri, localserver.USER, password, state.database, state)
        # commands sharing the server migrate one at a time
        yield from _opened(local, migrate, home_lock(home))


def _opened(
    connection: Connection, migrate: bool, migration_lock: contextlib.AbstractContextManager[Any]
) -> Iterator[GraphRepository]:
    store = GraphRepository(connection)
    try:
        if migrate and Migrator(store).status().pending:
            with migration_lock:
                Migrator(store).migrate()  # re-reads what is pending, now alone
        yield store
    finally:
        store.close()
