// Forget which migrations were applied (the schema itself stays; re-applying is safe since
// every statement uses IF NOT EXISTS). For tests and for re-validating a copied database.
// Parameters: none.
// Returns: forgotten (number of records deleted).
MATCH (m:Migration)
DETACH DELETE m
RETURN count(*) AS forgotten
