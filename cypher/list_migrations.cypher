// Applied schema migrations, oldest first.
// Parameters: none.
// Returns: version, description, checksum, applied_at.
MATCH (m:Migration)
RETURN m.version AS version, m.description AS description, m.checksum AS checksum,
       m.applied_at AS applied_at
ORDER BY version
