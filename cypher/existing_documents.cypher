// Which of the given document ids are already in the graph (ingest skips them).
// Parameters: $ids (list of document ids).
// Returns: id, one row per id that exists.
UNWIND $ids AS id
MATCH (d:Document {id: id})
RETURN d.id AS id
