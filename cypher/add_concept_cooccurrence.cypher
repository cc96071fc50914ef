// Add document co-occurrence counts to the key concept–key concept sub-graph (pre-aggregated per pair,
// so a hub concept is touched once per batch, not once per document).
// Parameters: $rows (list of {a, b, n}; a.key < b.key).
// Returns: pairs (number of rows).
UNWIND $rows AS r
MATCH (a:Concept {key: r.a})
MATCH (b:Concept {key: r.b})
MERGE (a)-[c:CO_OCCURS]->(b)
ON CREATE SET c.count = r.n
ON MATCH SET c.count = c.count + r.n
RETURN count(*) AS pairs
