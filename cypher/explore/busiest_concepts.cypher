// The key concepts mentioned by most documents (a place to start exploring).
// Parameters: $limit.
// Returns: key, name, documents.
MATCH (c:Concept)
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() }
RETURN c.key AS key, c.name AS name, COUNT { (c)<-[:MENTIONS]-(:Document) } AS documents
ORDER BY documents DESC, key
LIMIT $limit
