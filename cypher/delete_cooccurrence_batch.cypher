// Delete up to $limit CO_OCCURS edges (a counted rebuild empties the three sub-graphs first).
// Parameters: $limit.
// Returns: deleted (0 once none is left).
MATCH ()-[r:CO_OCCURS]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
