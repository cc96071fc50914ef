// What the survivor rule needs to know about the members of near-duplicate clusters.
// Parameters: $keys (list of concept keys).
// Returns: key, name, docs (number of documents that mention it); one row per given key
//          that exists and is not itself merged into another concept.
UNWIND $keys AS k
MATCH (c:Concept {key: k})
WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() }
RETURN c.key AS key, c.name AS name, COUNT { (:Document)-[:MENTIONS]->(c) } AS docs
