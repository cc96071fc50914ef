// Link documents created by this batch to the key concepts they mention (CREATE only: a
// document that existed before the batch carries another batch id and is left alone, so a
// repeated write adds nothing). `keys` lists the concept keys the document used for it (more
// than one once near-duplicates are merged), so a merge can be undone exactly.
// Parameters: $batch (the id write_documents gave the batch's new documents),
//             $rows (list of {doc, key, keys}): key = the concept linked, keys = keys as
//             extracted, one row per (doc, key).
// Returns: linked (number of links created).
UNWIND $rows AS r
MATCH (d:Document {id: r.doc})
WHERE d.batch = $batch
MATCH (c:Concept {key: r.key})
CREATE (d)-[:MENTIONS {keys: r.keys}]->(c)
RETURN count(*) AS linked
