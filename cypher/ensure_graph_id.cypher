// The graph's identity, created once; files kept beside the graph (the FAISS index) record it.
// Parameters: $new_id (used only if the graph has no id yet).
// Returns: id.
MERGE (g:GraphInfo {key: 'graph'})
ON CREATE SET g.id = $new_id
RETURN g.id AS id
