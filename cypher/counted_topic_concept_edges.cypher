// Every CO_OCCURS edge of the topic–key concept (from the topic) sub-graph, for building walk arrays.
// Parameters: none.
// Returns: a, b (keys of the two ends, as stored), count.
MATCH (x:Topic)-[r:CO_OCCURS]->(y:Concept)
RETURN x.key AS a, y.key AS b, r.count AS count
