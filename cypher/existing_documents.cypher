// Which of the given document ids are already in the graph, with the hash of their text
// (ingest skips them, and rejects a different text under a stored id).
// Parameters: $ids (list of document ids).
// Returns: id, text_hash (one row per id that exists).
UNWIND $ids AS id
MATCH (d:Document {id: id})
RETURN d.id AS id, d.text_hash AS text_hash
