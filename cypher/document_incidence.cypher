// The topics and key concepts of documents, for counting co-occurrence and ranking reference
// documents outside the database. With $pending_only, only documents whose co-occurrence
// counts are not yet added (marked `uncounted` when written).
// Parameters: $pending_only (boolean).
// Returns: id, topics (topic keys), concepts (key-concept keys); one row per document.
MATCH (d:Document)
WHERE NOT $pending_only OR d.uncounted = true
CALL (d) {
  OPTIONAL MATCH (d)-[:HAS_TOPIC]->(t:Topic)
  RETURN collect(t.key) AS topics
}
CALL (d) {
  OPTIONAL MATCH (d)-[:MENTIONS]->(c:Concept)
  RETURN collect(c.key) AS concepts
}
RETURN d.id AS id, topics, concepts
