// Delete every document, topic, concept, concept set, run and walk array, and the state kept
// about counts and walk arrays; keep the schema records (Migration) and the graph's identity
// (GraphInfo 'graph'). Used by `kgsynth db reset --yes` and between tests.
// Parameters: none.
// Returns: deleted (number of nodes deleted).
MATCH (n)
WHERE NOT n:Migration AND NOT (n:GraphInfo AND n.key = 'graph')
DETACH DELETE n
RETURN count(*) AS deleted
