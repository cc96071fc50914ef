// Key concepts no concept set has used yet, the most documented first: where the next
// generation run could look (see also `kgsynth sample --coverage-bias`).
// In Neo4j Browser: :param limit => 50
// Parameters: $limit.
// Returns: concept, key, documents (how many documents mention it), neighbours.
MATCH (c:Concept)
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() } AND NOT EXISTS { (:ConceptSet)-[:INCLUDES]->(c) }
RETURN c.name AS concept, c.key AS key,
       COUNT { (c)<-[:MENTIONS]-(:Document) } AS documents,
       COUNT { (c)-[:CO_OCCURS]-() } AS neighbours
ORDER BY documents DESC, key
LIMIT $limit
