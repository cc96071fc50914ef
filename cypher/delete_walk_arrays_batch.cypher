// Delete up to $limit stored walk arrays (before a rebuild).
// Parameters: $limit.
// Returns: deleted (0 once none is left).
MATCH (a:WalkNode)
WITH a LIMIT $limit
DELETE a
RETURN count(*) AS deleted
