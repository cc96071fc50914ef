// Persist sampled concept sets for one run (idempotent): MERGE each ConceptSet by its hash
// (name and size set when created), link (:Run)-[:SAMPLED]->(set), (set)-[:INCLUDES {pos}]->
// each topic and key concept (pos = place in walk order, from 0) and
// (set)-[:REFERENCES {rank, jaccard}]->(document) (rank from 1). A set sampled again by a later
// run keeps its first members and references and gains one more SAMPLED link.
// Parameters: $run_id (an existing Run), $rows (list of {hash, name, size,
//             topics: [{key, pos}], concepts: [{key, pos}], refs: [{id, rank, jaccard}]}).
// Returns: written (number of rows), includes (INCLUDES links matched or made),
//          references (REFERENCES links matched or made).
MATCH (run:Run {id: $run_id})
UNWIND $rows AS r
MERGE (s:ConceptSet {hash: r.hash})
ON CREATE SET s.name = r.name, s.size = r.size
MERGE (run)-[:SAMPLED]->(s)
WITH s, r
CALL (s, r) {
  UNWIND r.topics AS m
  MATCH (t:Topic {key: m.key})
  MERGE (s)-[i:INCLUDES]->(t)
  ON CREATE SET i.pos = m.pos
  RETURN count(i) AS topics
}
CALL (s, r) {
  UNWIND r.concepts AS m
  MATCH (c:Concept {key: m.key})
  MERGE (s)-[i:INCLUDES]->(c)
  ON CREATE SET i.pos = m.pos
  RETURN count(i) AS concepts
}
CALL (s, r) {
  UNWIND r.refs AS ref
  MATCH (d:Document {id: ref.id})
  MERGE (s)-[x:REFERENCES]->(d)
  ON CREATE SET x.rank = ref.rank, x.jaccard = ref.jaccard
  RETURN count(x) AS refs
}
RETURN count(s) AS written, sum(topics + concepts) AS includes, sum(refs) AS references
