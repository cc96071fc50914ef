// How many co-occurrence edges the walks of one run (or of all runs) traversed: the edges
// between consecutive members of each stored concept set in walk order (INCLUDES.pos).
// Exact when walks do not revisit nodes (the default); a revisit records only a node's first
// position, so its later steps are not counted.
// Parameters: $run_id (a run id, or null for all runs).
// Returns: one row: topic_edges, topic_concept_edges, concept_edges (distinct edges traversed).
OPTIONAL MATCH (r:Run)-[:SAMPLED]->(s:ConceptSet)
WHERE $run_id IS NULL OR r.id = $run_id
WITH DISTINCT s
CALL (s) {
  OPTIONAL MATCH (s)-[i:INCLUDES]->(n)
  WITH n, i.pos AS pos
  ORDER BY pos
  WITH collect(n) AS path
  UNWIND range(0, size(path) - 2) AS j
  WITH path[j] AS a, path[j + 1] AS b
  MATCH (a)-[e:CO_OCCURS]-(b)
  RETURN a, b, e
}
RETURN count(DISTINCT CASE WHEN a:Topic AND b:Topic THEN e END) AS topic_edges,
       count(DISTINCT CASE WHEN (a:Topic AND b:Concept) OR (a:Concept AND b:Topic) THEN e END)
         AS topic_concept_edges,
       count(DISTINCT CASE WHEN a:Concept AND b:Concept THEN e END) AS concept_edges
