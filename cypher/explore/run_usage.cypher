// What a run used: its parameters and the topics / key concepts its concept sets include.
// In Neo4j Browser: :param run_id => 'sample-20261121-…'
// Parameters: $run_id.
// Returns: run_id, kind, seed, params, sets, element, kind_of_element, uses (sets including it).
MATCH (r:Run {id: $run_id})
OPTIONAL MATCH (r)-[:SAMPLED]->(s:ConceptSet)-[:INCLUDES]->(n)
WITH r, n, count(DISTINCT s) AS uses
RETURN r.id AS run_id, r.kind AS kind, r.seed AS seed, r.params AS params,
       COUNT { (r)-[:SAMPLED]->(:ConceptSet) } AS sets,
       n.name AS element, labels(n)[0] AS kind_of_element, uses
ORDER BY uses DESC, element
