// Record that concepts were listed under topics; count = number of such listings.
// Parameters: $rows (list of {topic, concept, n}), pre-aggregated per pair.
// Returns: linked (number of rows).
UNWIND $rows AS r
MATCH (t:Topic {key: r.topic})
MATCH (c:Concept {key: r.concept})
MERGE (t)-[h:HAS_CONCEPT]->(c)
ON CREATE SET h.count = r.n
ON MATCH SET h.count = h.count + r.n
RETURN count(*) AS linked
