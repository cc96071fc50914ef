"""``kgsynth db start|stop|status|migrate|reset``: the graph database itself."""

from __future__ import annotations

import os
from typing import Annotated
from urllib.parse import urlsplit

import typer

from kgsynth.cli.common import console, handle_errors, settings_of
from kgsynth.config import mask_uri
from kgsynth.errors import KgsynthError
from kgsynth.graph import localserver, open_graph
from kgsynth.graph.leases import live_leases
from kgsynth.graph.migrator import Migrator

app = typer.Typer(no_args_is_help=True, help="Start, stop, inspect and migrate the graph database.")


@app.command()
@handle_errors
def start(ctx: typer.Context) -> None:
    """Start the local ArcadeDB server and keep it running (Bolt on loopback).

    Later commands reuse it; the neo4j driver and Neo4j tools connect to the printed URI, and
    `kgsynth explore` draws views of the graph as pages. With KGSYNTH_NEO4J_URI set there is
    nothing to start: this prints that server's Neo4j Browser address instead.
    """
    settings = settings_of(ctx)
    if settings.neo4j.uri:
        console.print(
            f"KGSYNTH_NEO4J_URI is set: kgsynth uses {mask_uri(settings.neo4j.uri)}; "
            "nothing to start here",
            markup=False,
        )
        console.print(f"  Neo4j Browser : {browser_address(settings.neo4j.uri)}", markup=False)
        return
    state = localserver.running_server(settings.home)
    if state is None:
        cfg = settings.neo4j
        password = localserver.local_password(settings.home, cfg.password)
        state = localserver.start_server(
            settings.home, password, cfg.local_database, cfg.bolt_port, cfg.http_port,
            detached=True,
        )  # fmt: skip
        with open_graph(settings) as store:
            applied = Migrator(store).status().current_version
        console.print(f"started the local graph server (pid {state.pid}), schema v{applied}")
    elif not state.detached:
        state = localserver.detach(settings.home, state)
        console.print(
            f"the local graph server (pid {state.pid}) was started by a running command; "
            "it now keeps running after that command ends"
        )
    else:
        console.print(f"the local graph server is already running (pid {state.pid})")
    console.print(f"  Bolt URI : {state.uri}  (user {localserver.USER}, database {state.database})")
    console.print(f"  password : in {settings.home / 'local-password'}")
    console.print("  explore  : kgsynth explore topics | concept --key NAME | coverage | merges")
    console.print("             (writes an HTML page; this embedded server has no web console)")
    console.print("  stop with: kgsynth db stop")


@app.command()
@handle_errors
def stop(ctx: typer.Context) -> None:
    """Stop the local server started by ``kgsynth db start``."""
    settings = settings_of(ctx)
    state = localserver.running_server(settings.home)
    if state is None:
        console.print("no local graph server is running")
        return
    users = [p.pid for p in live_leases(settings.home) if p.pid != os.getpid()]
    if users:
        raise KgsynthError(
            f"the local graph server is in use by kgsynth process(es) {users}; "
            "let them finish (or stop them) first"
        )
    localserver.stop_server(settings.home, state)
    console.print(f"stopped the local graph server (pid {state.pid})")


@app.command()
@handle_errors
def status(ctx: typer.Context) -> None:
    """Server kind and version, database, schema version (applied and pending) and counts."""
    settings = settings_of(ctx)
    with open_graph(settings, migrate=False) as store:
        info = store.server_info()
        mig = Migrator(store).status()
        counts = store.graph_counts().as_dict()
    where = store.connection.safe_uri
    console.print(f"server   : {info['kind']} ({info['agent']}) at {where}")
    console.print(f"database : {info['database']}")
    console.print(f"schema   : v{mig.current_version} applied, {len(mig.pending)} pending")
    for m in mig.pending:
        console.print(f"  pending: {m.path.name}")
    console.print("counts   : " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@app.command()
@handle_errors
def migrate(ctx: typer.Context) -> None:
    """Apply pending schema migrations (also done automatically on first use)."""
    settings = settings_of(ctx)
    with open_graph(settings, migrate=False) as store:
        migrator = Migrator(store)
        applied = migrator.migrate()
        version = migrator.status().current_version
    for m in applied:
        console.print(f"applied {m.path.name}")
    console.print(f"schema at v{version}" + ("" if applied else " (nothing to apply)"))


@app.command()
@handle_errors
def reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", help="Really delete the graph's data.")] = False,
) -> None:
    """Delete every document, concept, concept set and run from the graph (schema kept)."""
    if not yes:
        raise KgsynthError("this deletes the whole graph; pass --yes to confirm")
    settings = settings_of(ctx)
    with open_graph(settings) as store:
        deleted = store.clear_graph()
    console.print(f"deleted {deleted} nodes")


def browser_address(uri: str) -> str:
    """Where Neo4j Browser usually is for a Bolt URI (the server's HTTP port 7474, or 7473
    with TLS); Aura databases open it from the Aura console."""
    parsed = urlsplit(uri)
    host = parsed.hostname or "localhost"
    if host.endswith(".databases.neo4j.io"):
        return "open the database in the Aura console (Query / Explore)"
    if parsed.scheme.endswith(("+s", "+ssc")):
        return f"https://{host}:7473/browser/"
    return f"http://{host}:7474/browser/"
