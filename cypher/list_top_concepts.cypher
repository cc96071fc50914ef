// The key concepts mentioned by the most documents (merged aliases left out: their mentions
// moved to the survivor).
// Parameters: $limit (how many concepts).
// Returns: name, documents (documents mentioning it), neighbours (co-occurring key concepts).
MATCH (c:Concept)
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() }
WITH c, COUNT { (:Document)-[:MENTIONS]->(c) } AS documents
ORDER BY documents DESC, c.name
LIMIT $limit
RETURN c.name AS name, documents, COUNT { (c)-[:CO_OCCURS]-(:Concept) } AS neighbours
