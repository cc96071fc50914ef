"""The (:Migration) records the migrator keeps (the DDL itself runs through ``run_schema``)."""

from __future__ import annotations

from kgsynth.graph.store import GraphStore, Row


class MigrationOps(GraphStore):
    def applied_migrations(self) -> list[Row]:
        """version, description, checksum, applied_at of each applied migration, oldest first."""
        return self.read("list_migrations")

    def record_migration(
        self, version: int, description: str, checksum: str, applied_at: str
    ) -> None:
        self.write(
            "record_migration",
            version=version,
            description=description,
            checksum=checksum,
            applied_at=applied_at,
        )

    def forget_migrations(self) -> int:
        """Forget which migrations were applied (the schema stays); returns how many."""
        return int(self.write("forget_migrations")[0]["forgotten"])
