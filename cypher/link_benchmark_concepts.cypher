// Link benchmark items to the graph's concepts they use (concepts not in the graph stay
// only in the item's concept_keys).
// Parameters: $rows (list of {item, concept}): item key, concept key.
// Returns: linked (number of links made or found).
UNWIND $rows AS r
MATCH (b:BenchmarkItem {key: r.item})
MATCH (c:Concept {key: r.concept})
MERGE (b)-[:USES]->(c)
RETURN count(*) AS linked
