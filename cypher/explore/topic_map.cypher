// A topic map: the most connected topics (by how many topics they co-occur with) and the
// heaviest co-occurrence edges among them.
// In Neo4j Browser: :param limit => 60
//                   :param edges => 300
// Parameters: $limit (topics shown), $edges (edges shown).
// Returns: topics (nodes), cooccurs (CO_OCCURS relationships among them, heaviest first).
MATCH (t:Topic)
WITH t, COUNT { (t)-[:CO_OCCURS]-(:Topic) } AS degree
ORDER BY degree DESC, t.key
LIMIT $limit
WITH collect(t) AS topics
UNWIND topics AS a
OPTIONAL MATCH (a)-[r:CO_OCCURS]->(b:Topic)
WHERE b IN topics
WITH topics, r
ORDER BY r.count DESC
LIMIT $edges
RETURN topics, collect(r) AS cooccurs
