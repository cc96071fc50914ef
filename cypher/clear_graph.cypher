// Delete every document, topic, concept, concept set and run; keep the schema records
// (Migration, GraphInfo). Used by `kgsynth db reset --yes` and between tests.
// Parameters: none.
// Returns: deleted (number of nodes deleted).
MATCH (n)
WHERE NOT n:Migration AND NOT n:GraphInfo
DETACH DELETE n
RETURN count(*) AS deleted
