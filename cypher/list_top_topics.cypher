// The topics found in the most documents.
// Parameters: $limit (how many topics).
// Returns: name, documents (documents with the topic), concepts (key concepts listed under it).
MATCH (t:Topic)
WITH t, COUNT { (:Document)-[:HAS_TOPIC]->(t) } AS documents
ORDER BY documents DESC, t.name
LIMIT $limit
RETURN t.name AS name, documents, COUNT { (t)-[:HAS_CONCEPT]->(:Concept) } AS concepts
