// Link documents to the key concepts they mention. `keys` lists the concept keys the
// document used for it (more than one once near-duplicates are merged), so a merge can
// be undone exactly.
// Parameters: $rows (list of {doc, key, raw}): key = the concept linked, raw = key as extracted.
// Returns: linked (number of rows).
UNWIND $rows AS r
MATCH (d:Document {id: r.doc})
MATCH (c:Concept {key: r.key})
MERGE (d)-[m:MENTIONS]->(c)
ON CREATE SET m.keys = [r.raw]
ON MATCH SET m.keys = CASE WHEN r.raw IN m.keys THEN m.keys ELSE m.keys + [r.raw] END
RETURN count(*) AS linked
