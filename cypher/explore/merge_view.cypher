// Merged near-duplicate concepts: each alias points at its survivor (ALIAS_OF {score,
// threshold, merged_at}), highest similarity first.
// In Neo4j Browser: :param limit => 100
// Parameters: $limit (merges shown).
// Returns: aliases (nodes), survivors (nodes), merges (ALIAS_OF relationships), merge_total.
MATCH (a:Concept)-[m:ALIAS_OF]->(s:Concept)
WITH a, m, s
ORDER BY m.score DESC, a.key
LIMIT $limit
RETURN collect(a) AS aliases, collect(s) AS survivors, collect(m) AS merges,
       COUNT { ()-[:ALIAS_OF]->() } AS merge_total
