// Degree distributions of the three co-occurrence sub-graphs, aggregated in the database:
// one row per (sub-graph, degree) with the number of nodes of that degree, so the result
// grows with the largest degree, not with the number of edges. Merged concept aliases are
// left out. In the topic-concept sub-graph (bipartite) topics and key concepts are both
// counted, each by its neighbours of the other kind.
// Parameters: none.
// Returns: graph ("topic" | "topic_concept" | "concept"), degree, nodes.
MATCH (t:Topic)
WITH COUNT { (t)-[:CO_OCCURS]-(:Topic) } AS degree
RETURN 'topic' AS graph, degree, count(*) AS nodes
UNION ALL
MATCH (n)
WHERE n:Topic OR (n:Concept AND NOT EXISTS { (n)-[:ALIAS_OF]->() })
WITH CASE WHEN n:Topic THEN COUNT { (n)-[:CO_OCCURS]->(:Concept) }
          ELSE COUNT { (n)<-[:CO_OCCURS]-(:Topic) } END AS degree
RETURN 'topic_concept' AS graph, degree, count(*) AS nodes
UNION ALL
MATCH (c:Concept)
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() }
WITH COUNT { (c)-[:CO_OCCURS]-(:Concept) } AS degree
RETURN 'concept' AS graph, degree, count(*) AS nodes
