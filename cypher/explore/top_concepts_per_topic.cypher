// The most connected key concepts of each topic (by documents in which both occur).
// In Neo4j Browser: :param per_topic => 5
// Parameters: $per_topic (concepts listed per topic).
// Returns: topic, concept, count, one row per (topic, concept), topics by name.
MATCH (t:Topic)-[r:CO_OCCURS]->(c:Concept)
WITH t, c, r.count AS count
ORDER BY t.name, count DESC, c.name
WITH t, collect({concept: c.name, count: count})[0..$per_topic] AS top
UNWIND top AS row
RETURN t.name AS topic, row.concept AS concept, row.count AS count
ORDER BY topic, count DESC, concept
