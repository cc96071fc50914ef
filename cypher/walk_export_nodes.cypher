// Every node a walk can visit, for building walk arrays and the in-process (numpy) walk: topics and key concepts
// (merged aliases left out), with the coverage count the walk queries use.
// Parameters: none.
// Returns: label ("Topic" | "Concept"), key, name, uses (number of stored ConceptSets that
//          include the node), documents (documents that have the topic or mention the concept).
MATCH (n)
WHERE n:Topic OR (n:Concept AND NOT EXISTS { (n)-[:ALIAS_OF]->() })
RETURN CASE WHEN n:Topic THEN 'Topic' ELSE 'Concept' END AS label, n.key AS key,
       n.name AS name, COUNT { (n)<-[:INCLUDES]-() } AS uses,
       COUNT { (n)<-[:HAS_TOPIC|MENTIONS]-(:Document) } AS documents
