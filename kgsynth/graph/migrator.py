"""Schema migrations: ``migrations/V0001__Description.cypher`` files, applied in version order.

Each file holds DDL statements separated by ``;`` at line ends (``IF NOT EXISTS`` so a file
that failed half way can be re-run). Neo4j forbids schema and data changes in one
transaction, so each statement runs in its own transaction and the ``(:Migration)`` record
(version, description, checksum, applied_at) is written last, once the file succeeded.
A file whose checksum differs from the one recorded when it was applied is refused:
applied migrations are never edited, a change goes into a new version.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kgsynth.assets import asset_dir
from kgsynth.errors import MigrationError

if TYPE_CHECKING:
    from kgsynth.graph.repository import GraphRepository

log = logging.getLogger(__name__)

_NAME = re.compile(r"^V(\d{4})__([A-Za-z0-9_]+)\.cypher$")


@dataclass(frozen=True)
class MigrationFile:
    version: int
    description: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8").replace("\r\n", "\n")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def statements(self) -> list[str]:
        """The file's statements, comment lines removed."""
        lines = self.text.splitlines()
        body = "\n".join(ln for ln in lines if not ln.lstrip().startswith("//"))
        return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]


@dataclass(frozen=True)
class MigrationStatus:
    applied: list[dict]  # version, description, checksum, applied_at
    pending: list[MigrationFile]

    @property
    def current_version(self) -> int:
        return max((m["version"] for m in self.applied), default=0)


def migration_files(folder: Path | None = None) -> list[MigrationFile]:
    """The migration files in version order; a misnamed file or a repeated version is an error."""
    folder = folder or asset_dir("migrations")
    found: dict[int, MigrationFile] = {}
    for path in sorted(folder.glob("*.cypher")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"{path}: migration files are named V0001__Description.cypher")
        version = int(m.group(1))
        if version in found:
            raise MigrationError(f"{path}: version {version} appears twice")
        found[version] = MigrationFile(version, m.group(2).replace("_", " "), path)
    return [found[v] for v in sorted(found)]


class Migrator:
    def __init__(self, store: GraphRepository, folder: Path | None = None) -> None:
        self.store = store
        self.folder = folder

    def status(self) -> MigrationStatus:
        """Applied and pending versions; raises if an applied file was edited or removed."""
        files = {f.version: f for f in migration_files(self.folder)}
        applied = self._applied()
        for row in applied:
            f = files.get(row["version"])
            if f is None:
                raise MigrationError(
                    f"the database has migration V{row['version']:04d} applied, but no such "
                    "file exists here; is this kgsynth older than the graph?"
                )
            if f.checksum != row["checksum"]:
                raise MigrationError(
                    f"{f.path.name} was edited after it was applied (checksum "
                    f"{row['checksum'][:12]} in the database, {f.checksum[:12]} on disk); "
                    "restore it and put the change in a new migration file"
                )
        done = {row["version"] for row in applied}
        return MigrationStatus(applied, [f for v, f in files.items() if v not in done])

    def migrate(self) -> list[MigrationFile]:
        """Apply the pending migrations in order; returns what was applied."""
        pending = self.status().pending
        for f in pending:
            log.info("applying migration %s", f.path.name)
            for statement in f.statements():
                try:
                    self.store.run_schema(statement)
                except Exception as e:
                    raise MigrationError(f"{f.path.name} failed: {e}") from e
            self.store.record_migration(
                version=f.version,
                description=f.description,
                checksum=f.checksum,
                applied_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        return pending

    def _applied(self) -> list[dict]:
        return self.store.applied_migrations()
