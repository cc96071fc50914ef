// Map concept keys that were merged into a survivor onto that survivor.
// Parameters: $keys (list of concept keys).
// Returns: key, survivor (one row per key that is an alias).
UNWIND $keys AS k
MATCH (:Concept {key: k})-[:ALIAS_OF]->(s:Concept)
RETURN k AS key, s.key AS survivor
