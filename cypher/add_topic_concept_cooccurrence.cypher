// Add document co-occurrence counts to the topic–key concept sub-graph (pre-aggregated per pair,
// so a hub concept is touched once per batch, not once per document).
// Parameters: $rows (list of {a, b, n}; a is the topic).
// Returns: pairs (number of rows).
UNWIND $rows AS r
MATCH (a:Topic {key: r.a})
MATCH (b:Concept {key: r.b})
MERGE (a)-[c:CO_OCCURS]->(b)
ON CREATE SET c.count = r.n
ON MATCH SET c.count = c.count + r.n
RETURN count(*) AS pairs
