// A key concept as a graph (Neo4j Browser draws it; `kgsynth explore concept` renders it): the
// concept, its strongest co-occurring topics and key concepts, and documents that mention it.
// In Neo4j Browser: :param key => 'right triangle'  (keys are lower-case names)
//                   :param limit => 25
//                   :param documents => 10
// Parameters: $key (concept key), $limit (neighbours shown), $documents (documents shown).
// Returns: concept (node), neighbours (nodes), cooccurs (CO_OCCURS relationships, heaviest
//          first), documents (nodes), mentions (MENTIONS relationships), neighbour_total and
//          document_total (how many exist, shown or not).
MATCH (c:Concept {key: $key})
OPTIONAL MATCH (c)-[r:CO_OCCURS]-(n)
WITH c, r, n
ORDER BY r.count DESC, n.key
LIMIT $limit
WITH c, collect(n) AS neighbours, collect(r) AS cooccurs
OPTIONAL MATCH (d:Document)-[m:MENTIONS]->(c)
WITH c, neighbours, cooccurs, d, m
ORDER BY d.id
LIMIT $documents
RETURN c AS concept, neighbours, cooccurs, collect(d) AS documents, collect(m) AS mentions,
       COUNT { (c)-[:CO_OCCURS]-() } AS neighbour_total,
       COUNT { (:Document)-[:MENTIONS]->(c) } AS document_total
