// Persist concept sets that are not in the graph yet, for one run, with CREATE only (the
// sample stage leaves sets that exist already to write_concept_sets): a ConceptSet per row,
// (:Run)-[:SAMPLED]->(set), (set)-[:INCLUDES {pos}]-> each topic and key concept (pos = place
// in walk order, from 0) and (set)-[:REFERENCES {rank, jaccard}]->(document) (rank from 1).
// Parameters: $run_id (an existing Run), $rows (list of {hash, name, size,
//             topics: [{key, pos}], concepts: [{key, pos}], refs: [{id, rank, jaccard}]}).
// Returns: written (number of rows), includes (INCLUDES links made),
//          references (REFERENCES links made).
MATCH (run:Run {id: $run_id})
UNWIND $rows AS r
CREATE (s:ConceptSet {hash: r.hash, name: r.name, size: r.size})
CREATE (run)-[:SAMPLED]->(s)
WITH s, r
CALL (s, r) {
  UNWIND r.topics AS m
  MATCH (t:Topic {key: m.key})
  CREATE (s)-[:INCLUDES {pos: m.pos}]->(t)
  RETURN count(*) AS topics
}
CALL (s, r) {
  UNWIND r.concepts AS m
  MATCH (c:Concept {key: m.key})
  CREATE (s)-[:INCLUDES {pos: m.pos}]->(c)
  RETURN count(*) AS concepts
}
CALL (s, r) {
  UNWIND r.refs AS ref
  MATCH (d:Document {id: ref.id})
  CREATE (s)-[:REFERENCES {rank: ref.rank, jaccard: ref.jaccard}]->(d)
  RETURN count(*) AS refs
}
RETURN count(s) AS written, sum(topics + concepts) AS includes, sum(refs) AS references
