// Every co-occurrence edge of the three walk sub-graphs, for the in-process (numpy CSR) walk.
// Each edge is returned once, as stored (topic–key concept edges start at the topic).
// Parameters: none.
// Returns: a_label, a_key, b_label, b_key ("Topic" | "Concept" and key of each end), count.
MATCH (a)-[r:CO_OCCURS]->(b)
WHERE (a:Topic OR a:Concept) AND (b:Topic OR b:Concept)
RETURN CASE WHEN a:Topic THEN 'Topic' ELSE 'Concept' END AS a_label, a.key AS a_key,
       CASE WHEN b:Topic THEN 'Topic' ELSE 'Concept' END AS b_label, b.key AS b_key,
       r.count AS count
