// Coverage: the key concepts mentioned by most documents, how many sampled concept sets have
// used each (0 = generation has not reached it yet), and the co-occurrence edges among them.
// In Neo4j Browser: :param limit => 80
//                   :param edges => 300
// Parameters: $limit (concepts shown), $edges (edges shown).
// Returns: concepts (nodes), usage (list of {key, uses, documents}), cooccurs (CO_OCCURS
//          relationships among the concepts, heaviest first).
MATCH (c:Concept)
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() }
WITH c, COUNT { (c)<-[:MENTIONS]-(:Document) } AS documents
ORDER BY documents DESC, c.key
LIMIT $limit
WITH c, documents, COUNT { (:ConceptSet)-[:INCLUDES]->(c) } AS uses
WITH collect(c) AS concepts, collect({key: c.key, uses: uses, documents: documents}) AS usage
UNWIND concepts AS a
OPTIONAL MATCH (a)-[r:CO_OCCURS]->(b:Concept)
WHERE b IN concepts
WITH concepts, usage, r
ORDER BY r.count DESC
LIMIT $edges
RETURN concepts, usage, collect(r) AS cooccurs
