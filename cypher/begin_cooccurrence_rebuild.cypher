// Mark a counted rebuild as started: until finish_cooccurrence_count clears the mark, a
// re-run after a crash rebuilds again instead of adding to half-written counts.
// Parameters: none.
// Returns: version.
MERGE (g:GraphInfo {key: 'cooccurrence'})
SET g.rebuilding = true
RETURN coalesce(g.version, 0) AS version
