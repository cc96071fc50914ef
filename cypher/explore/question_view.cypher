// Where a Level-3 question came from: its concept set, the topics and key concepts the set
// includes (INCLUDES {pos}: walk order), the co-occurrence edges among them (the walk moved
// along some of these), and the reference documents (REFERENCES {rank, jaccard}).
// In Neo4j Browser: :param set_hash => '<set_hash column of the question's row>'
// Parameters: $set_hash.
// Returns: concept_set (node), elements (topic and concept nodes), includes (INCLUDES
//          relationships), documents (nodes), references (REFERENCES relationships), cooccurs
//          (CO_OCCURS relationships between elements).
MATCH (s:ConceptSet {hash: $set_hash})-[i:INCLUDES]->(n)
WITH s, collect(n) AS elements, collect(i) AS includes
OPTIONAL MATCH (s)-[ref:REFERENCES]->(d:Document)
WITH s, elements, includes, collect(d) AS documents, collect(ref) AS references
OPTIONAL MATCH (a)-[w:CO_OCCURS]->(b)
WHERE a IN elements AND b IN elements
RETURN s AS concept_set, elements, includes, documents, references, collect(w) AS cooccurs
