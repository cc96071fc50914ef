// Mark documents as counted, clear the rebuild mark and raise the counts' version (walk
// arrays built from older counts become stale). Runs in the same transaction as the last
// count writes, so a document's counts are added exactly once.
// Parameters: $ids (ids of the documents whose counts were added).
// Returns: documents (marked), version (the new version).
CALL () {
  UNWIND $ids AS id
  MATCH (d:Document {id: id})
  REMOVE d.uncounted
  RETURN count(d) AS documents
}
MERGE (g:GraphInfo {key: 'cooccurrence'})
SET g.version = coalesce(g.version, 0) + 1, g.rebuilding = false
RETURN documents, g.version AS version
