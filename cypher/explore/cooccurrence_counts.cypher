// Every co-occurrence edge with its count and walk weight, heaviest first
// (paste into Neo4j Browser with :param epsilon => 0.00001).
// Parameters: none.
// Returns: a, b ("Label:key" of each end), count.
MATCH (x)-[r:CO_OCCURS]->(y)
RETURN labels(x)[0] + ':' + x.key AS a, labels(y)[0] + ':' + y.key AS b, r.count AS count
ORDER BY count DESC, a, b
