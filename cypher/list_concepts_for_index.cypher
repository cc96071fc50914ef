// Every concept that is not merged into another (the ones the dedup index holds).
// Parameters: none.
// Returns: key, name; one row per concept, ordered by key.
MATCH (c:Concept)
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() }
RETURN c.key AS key, c.name AS name
ORDER BY key
