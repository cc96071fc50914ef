// The title and full text of documents, by id (reference articles of Level-3 prompts and the
// article of Level-1/2 prompts).
// Parameters: $ids (list of document ids).
// Returns: id, title, text; one row per id that exists.
UNWIND $ids AS id
MATCH (d:Document {id: id})
RETURN d.id AS id, d.title AS title, d.text AS text
