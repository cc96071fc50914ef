// Every document id in the graph, in id order (Level-1 and Level-2 generation walk them in
// this order, so shard i holds the same documents on every re-run).
// Parameters: none.
// Returns: id, one row per document.
MATCH (d:Document)
RETURN d.id AS id
ORDER BY id
