// Create co-occurrence edges of the topic–key concept sub-graph for pairs that have none yet (the
// counted rebuild: counts come from a sparse product over all counted documents).
// Parameters: $rows (list of {a, b, n}; a is the topic; n = number of documents with both).
// Returns: created (number of edges created).
UNWIND $rows AS r
MATCH (a:Topic {key: r.a})
MATCH (b:Concept {key: r.b})
CREATE (a)-[:CO_OCCURS {count: r.n}]->(b)
RETURN count(*) AS created
