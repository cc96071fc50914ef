// The links a merge moves, for inspecting a merge before or after it (and for checking an undo).
// Parameters: $keys (list of concept keys).
// Returns: key, name, merged_into (survivor key, or null), mentions (list of {doc, keys}),
//          listings (list of {topic, count}); one row per given key that exists.
UNWIND $keys AS k
MATCH (c:Concept {key: k})
OPTIONAL MATCH (c)-[:ALIAS_OF]->(s:Concept)
RETURN c.key AS key, c.name AS name, s.key AS merged_into,
       [(d:Document)-[m:MENTIONS]->(c) | {doc: d.id, keys: m.keys}] AS mentions,
       [(t:Topic)-[h:HAS_CONCEPT]->(c) | {topic: t.key, count: h.count}] AS listings
