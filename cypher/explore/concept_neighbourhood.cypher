// A key concept's neighbourhood: the concepts and topics it co-occurs with, strongest first.
// In Neo4j Browser: :param key => 'pythagorean theorem'  (keys are lower-case names)
//                   :param limit => 25
// Parameters: $key (concept key), $limit.
// Returns: concept, neighbour, kind ("Topic" | "Concept"), count (documents in common), documents
//          (how many documents mention the neighbour).
MATCH (c:Concept {key: $key})-[r:CO_OCCURS]-(n)
RETURN c.name AS concept, n.name AS neighbour, labels(n)[0] AS kind, r.count AS count,
       COUNT { (n)<-[:MENTIONS|HAS_TOPIC]-(:Document) } AS documents
ORDER BY count DESC, neighbour
LIMIT $limit
