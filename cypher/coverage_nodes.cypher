// How many topics and key concepts the stored concept sets of one run (or of all runs) include.
// Parameters: $run_id (a run id, or null for all runs).
// Returns: one row: sets (concept sets in scope), topics, concepts (distinct nodes included).
OPTIONAL MATCH (r:Run)-[:SAMPLED]->(s:ConceptSet)
WHERE $run_id IS NULL OR r.id = $run_id
OPTIONAL MATCH (s)-[:INCLUDES]->(n)
RETURN count(DISTINCT s) AS sets,
       count(DISTINCT CASE WHEN n:Topic THEN n END) AS topics,
       count(DISTINCT CASE WHEN n:Concept THEN n END) AS concepts
