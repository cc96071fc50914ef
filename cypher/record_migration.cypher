// Record that a migration file was applied.
// Parameters: $version (int), $description, $checksum (sha256 of the file), $applied_at (ISO time).
// Returns: version.
MERGE (m:Migration {version: $version})
SET m.description = $description, m.checksum = $checksum, m.applied_at = $applied_at
RETURN m.version AS version
