// Key concepts whose key contains any of the given words (closest-match suggestions).
// Parameters: $words (lower-case fragments), $limit.
// Returns: key, name.
UNWIND $words AS word
MATCH (c:Concept)
WHERE c.key CONTAINS word
RETURN DISTINCT c.key AS key, c.name AS name
LIMIT $limit
