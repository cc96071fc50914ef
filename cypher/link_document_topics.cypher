// Link documents to their topics.
// Parameters: $rows (list of {doc, key}).
// Returns: linked (number of rows).
UNWIND $rows AS r
MATCH (d:Document {id: r.doc})
MATCH (t:Topic {key: r.key})
MERGE (d)-[:HAS_TOPIC]->(t)
RETURN count(*) AS linked
