"""GraphStore: the one object that holds a driver and runs catalogued Cypher.

Named operations live in :class:`kgsynth.graph.repository.GraphRepository` (a GraphStore);
:func:`kgsynth.graph.connect.open_graph` opens one.

Reads go through ``execute_read`` and writes through ``execute_write`` so transient errors
(deadlocks, leader switches) are retried by the driver. Values reach Cypher only as
parameters; statements come only from the catalog (``cypher/*.cypher``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from kgsynth.batching import batched
from kgsynth.config import mask
from kgsynth.errors import GraphUnavailableError, QueryError
from kgsynth.graph.catalog import query
from kgsynth.graph.leases import file_lock

if TYPE_CHECKING:
    from kgsynth.graph.elements import GraphResult
    from kgsynth.graph.localserver import ServerState

Row = dict[str, Any]


class Endpoint(Protocol):
    """Where a store connects (:class:`kgsynth.graph.connect.Connection` is the one in use)."""

    @property
    def uri(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def password(self) -> str | None: ...
    @property
    def database(self) -> str | None: ...
    @property
    def safe_uri(self) -> str: ...
    @property
    def local(self) -> ServerState | None: ...


class GraphStore:
    """Runs named queries from the catalog against one database."""

    def __init__(self, connection: Endpoint) -> None:
        from neo4j import GraphDatabase

        self.connection = connection
        auth = (connection.user, connection.password) if connection.password else None
        # A loopback server that stops does not come back: give up after seconds, not a
        # minute of retries. A remote one may be switching leaders: allow that.
        retry_s, connect_s = (3.0, 5.0) if connection.local else (15.0, 15.0)
        try:
            self._driver = GraphDatabase.driver(
                connection.uri, auth=auth, max_transaction_retry_time=retry_s,
                connection_timeout=connect_s, connection_acquisition_timeout=connect_s + retry_s,
            )  # fmt: skip
            self._driver.verify_connectivity()
        except Exception as e:  # the driver raises several unrelated types here
            self._close_quietly()
            self._check_local_server()
            raise GraphUnavailableError(
                f"cannot reach the graph database at {connection.safe_uri} "
                f"as user '{connection.user}': {self._scrub(e)}"
            ) from None

    # -- running queries -------------------------------------------------------------
    def read(self, name: str, **params: Any) -> list[Row]:
        """Run the read query ``name`` and return its rows as dicts."""
        return self._run(name, params, write=False)

    def write(self, name: str, **params: Any) -> list[Row]:
        """Run the write query ``name`` in its own retried transaction."""
        return self._run(name, params, write=True)

    def write_many(self, steps: Sequence[tuple[str, dict[str, Any]]]) -> list[list[Row]]:
        """Run several write queries in ONE transaction (all or nothing), retried as a unit."""
        for name, params in steps:
            self._check_params(name, params)

        def work(tx: Any) -> list[list[Row]]:
            return [tx.run(query(n).text, p).data() for n, p in steps]

        return self._execute(work, write=True, what=", ".join(n for n, _ in steps))

    def read_graph(self, name: str, **params: Any) -> GraphResult:
        """Run the read query ``name`` and keep the nodes and relationships it returned
        (for pages that draw them); in its rows, graph elements become their element ids."""
        from kgsynth.graph.elements import GraphNode, GraphRelationship, GraphResult

        self._check_params(name, params)
        text = query(name).text

        def work(tx: Any) -> GraphResult:
            result = tx.run(text, params)
            rows = [{k: _element_ids(v) for k, v in record.items()} for record in result]
            graph = result.graph()
            nodes = [GraphNode(n.element_id, tuple(sorted(n.labels)), dict(n)) for n in graph.nodes]
            rels = [
                GraphRelationship(
                    r.element_id, r.type, r.start_node.element_id, r.end_node.element_id, dict(r)
                )
                for r in graph.relationships
                if r.start_node is not None and r.end_node is not None
            ]
            return GraphResult(rows, nodes, rels)

        return self._execute(work, write=False, what=name)

    def write_batches(
        self, name: str, rows: Iterable[Row], batch_size: int, **params: Any
    ) -> Iterator[int]:
        """Write ``rows`` through ``UNWIND $rows`` in batches; yields each batch's size."""
        for batch in batched(rows, batch_size):
            self.write(name, rows=batch, **params)
            yield len(batch)

    def delete_in_batches(self, name: str, batch_size: int) -> Iterator[int]:
        """Run the delete query ``name`` (``LIMIT $limit``, returning ``deleted``) until it
        deletes nothing, one transaction per batch; yields each batch's count."""
        while True:
            deleted = int(self.write(name, limit=batch_size)[0]["deleted"])
            if not deleted:
                return
            yield deleted

    def run_schema(self, statement: str) -> None:
        """Run one DDL statement from a migration file in its own transaction."""

        def work(tx: Any) -> None:
            tx.run(statement).consume()

        self._execute(work, write=True, what="migration statement")

    def _run(self, name: str, params: dict[str, Any], write: bool) -> list[Row]:
        self._check_params(name, params)
        text = query(name).text

        def work(tx: Any) -> list[Row]:
            return tx.run(text, params).data()

        return self._execute(work, write=write, what=name)

    def _execute(self, work: Callable[[Any], Any], write: bool, what: str) -> Any:
        from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

        local = self.connection.local
        turn = file_lock(local.write_lock) if write and local else contextlib.nullcontext()
        try:
            with turn, self._driver.session(database=self.connection.database) as session:
                run = session.execute_write if write else session.execute_read
                return run(work)
        except (ServiceUnavailable, SessionExpired) as e:
            self._check_local_server()
            raise GraphUnavailableError(
                f"lost the graph database at {self.connection.safe_uri}: {self._scrub(e)}"
            ) from None
        except Neo4jError as e:
            raise QueryError(f"query '{what}' failed: {self._scrub(e)}") from e

    @staticmethod
    def _check_params(name: str, params: dict[str, Any]) -> None:
        missing = query(name).parameters - set(params)
        if missing:
            raise QueryError(f"query '{name}' needs parameter(s) {sorted(missing)}")

    # -- server facts ------------------------------------------------------------------
    def server_info(self) -> dict[str, str]:
        """Server product/version as reported over Bolt, plus the database name."""
        info = self._driver.get_server_info()
        return {
            "agent": str(info.agent),
            "address": str(info.address),
            "protocol": ".".join(map(str, info.protocol_version)),
            "database": self.connection.database or "(default)",
            "kind": "ArcadeDB" if "ArcadeDB" in str(info.agent) else "Neo4j",
        }

    def _check_local_server(self) -> None:
        """Say plainly when the reason is that kgsynth's own local server has died."""
        local = self.connection.local
        if local is not None and not local.proc.alive():
            raise GraphUnavailableError(
                f"the local graph server (pid {local.pid}) stopped during the command; "
                "re-run it to resume (finished batches are kept)"
            ) from None

    def _scrub(self, e: BaseException) -> str:
        text = str(e).splitlines()[0] if str(e) else type(e).__name__
        return mask(text, [self.connection.password])

    def _close_quietly(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()

    def close(self) -> None:
        self._close_quietly()


def _element_ids(value: Any) -> Any:
    """A returned value with every node and relationship replaced by its element id."""
    from neo4j.graph import Node, Relationship

    if isinstance(value, Node | Relationship):
        return value.element_id
    if isinstance(value, list):
        return [_element_ids(v) for v in value]
    if isinstance(value, dict):
        return {k: _element_ids(v) for k, v in value.items()}
    return value
