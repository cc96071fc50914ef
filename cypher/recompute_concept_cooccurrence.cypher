// Recompute exactly the CO_OCCURS edges of some concepts (after a merge or its undo):
// delete every CO_OCCURS edge they have, then recreate Concept–Concept and Topic–Concept
// edges from MENTIONS and HAS_TOPIC with count = number of DISTINCT documents in which both
// occur, among documents already counted (not `uncounted`: the count stage adds those).
// Raises the counts' version, so walk arrays built before become stale. Concept–Concept
// edges are stored from the smaller key to the larger; a pair of two given concepts is
// created once.
// Parameters: $keys (list of concept keys).
// Returns: concepts (how many were found), concept_edges, topic_edges (edges created).
MATCH (c:Concept)
WHERE c.key IN $keys
CALL (c) {
  OPTIONAL MATCH (c)-[e:CO_OCCURS]-()
  DELETE e
  RETURN count(e) AS dropped
}
WITH collect(c) AS found
UNWIND found AS c
CALL (c) {
  MATCH (c)<-[:MENTIONS]-(d:Document)-[:MENTIONS]->(o:Concept)
  WHERE o <> c AND (NOT o.key IN $keys OR c.key < o.key) AND d.uncounted IS NULL
  WITH c, o, count(DISTINCT d) AS n
  WITH CASE WHEN c.key < o.key THEN c ELSE o END AS a,
       CASE WHEN c.key < o.key THEN o ELSE c END AS b, n
  CREATE (a)-[:CO_OCCURS {count: n}]->(b)
  RETURN count(*) AS concept_edges
}
CALL (c) {
  MATCH (c)<-[:MENTIONS]-(d:Document)-[:HAS_TOPIC]->(t:Topic)
  WHERE d.uncounted IS NULL
  WITH c, t, count(DISTINCT d) AS n
  CREATE (t)-[:CO_OCCURS {count: n}]->(c)
  RETURN count(*) AS topic_edges
}
WITH count(c) AS concepts, sum(concept_edges) AS concept_edges, sum(topic_edges) AS topic_edges
MERGE (g:GraphInfo {key: 'cooccurrence'})
SET g.version = coalesce(g.version, 0) + 1
RETURN concepts, concept_edges, topic_edges
