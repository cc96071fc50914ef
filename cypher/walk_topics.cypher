// Start nodes of the Level-3 walk: every topic, in key order (each epoch enumerates all of them).
// Parameters: none.
// Returns: key, name (one row per topic, ordered by key).
MATCH (t:Topic)
RETURN t.key AS key, t.name AS name
ORDER BY key
