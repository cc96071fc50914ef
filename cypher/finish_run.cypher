// Mark a run finished with its counts.
// Parameters: $id, $finished_at (ISO time), $counts (JSON text).
// Returns: id (no row if the run does not exist).
MATCH (r:Run {id: $id})
SET r.finished_at = $finished_at, r.counts = $counts
RETURN r.id AS id
