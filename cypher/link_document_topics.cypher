// Link documents created by this batch to their topics (CREATE only: a document that existed
// before the batch carries another batch id and is left alone, so a repeated write adds
// nothing).
// Parameters: $batch (the id write_documents gave the batch's new documents),
//             $rows (list of {doc, key}), one row per (doc, topic).
// Returns: linked (number of links created).
UNWIND $rows AS r
MATCH (d:Document {id: r.doc})
WHERE d.batch = $batch
MATCH (t:Topic {key: r.key})
CREATE (d)-[:HAS_TOPIC]->(t)
RETURN count(*) AS linked
