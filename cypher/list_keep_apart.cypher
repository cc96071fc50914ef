// Every keep-apart decision, each end resolved to the concept it is merged into (if any), so a
// decision about a spelling also holds for its survivor.
// Parameters: none.
// Returns: a, b (resolved keys), decided_by, reason, decided_at; ordered by a, b.
MATCH (x:Concept)-[k:KEEP_APART]->(y:Concept)
OPTIONAL MATCH (x)-[:ALIAS_OF]->(sx:Concept)
OPTIONAL MATCH (y)-[:ALIAS_OF]->(sy:Concept)
RETURN coalesce(sx.key, x.key) AS a, coalesce(sy.key, y.key) AS b, k.decided_by AS decided_by,
       k.reason AS reason, k.decided_at AS decided_at
ORDER BY a, b
