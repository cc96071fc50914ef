// Undo one merge: documents whose MENTIONS of the survivor list the alias's key get their own
// MENTIONS of the alias back (the key leaves the survivor's edge, which is deleted once its
// `keys` is empty); the HAS_CONCEPT counts recorded on the ALIAS_OF edge go back to the alias;
// the ALIAS_OF edge is deleted. Run recompute_concept_cooccurrence for both concepts in the
// same transaction. Listings of the alias's spelling ingested after the merge stay with the
// survivor (they were never recorded).
// Parameters: $alias (the merged concept's key), $survivor (the key it is merged into).
// Returns: alias, alias_name, survivor, mentions (restored), listings (restored); no row when
//          $alias is not merged into $survivor.
MATCH (a:Concept {key: $alias})-[x:ALIAS_OF]->(s:Concept {key: $survivor})
CALL (a, s) {
  MATCH (d:Document)-[m:MENTIONS]->(s)
  WHERE a.key IN m.keys
  MERGE (d)-[n:MENTIONS]->(a)
  ON CREATE SET n.keys = [a.key]
  SET m.keys = [k IN m.keys WHERE k <> a.key]
  RETURN count(*) AS mentions
}
CALL (s) {
  OPTIONAL MATCH (:Document)-[m:MENTIONS]->(s)
  WHERE size(m.keys) = 0
  DELETE m
  RETURN count(m) AS emptied
}
CALL (a, s, x) {
  UNWIND range(0, size(x.topic_keys) - 1) AS i
  WITH a, s, x.topic_keys[i] AS topic, x.topic_counts[i] AS n
  MATCH (t:Topic {key: topic})-[g:HAS_CONCEPT]->(s)
  MERGE (t)-[h:HAS_CONCEPT]->(a)
  ON CREATE SET h.count = n
  ON MATCH SET h.count = h.count + n
  SET g.count = g.count - n
  RETURN count(*) AS listings
}
CALL (s) {
  OPTIONAL MATCH (:Topic)-[g:HAS_CONCEPT]->(s)
  WHERE g.count <= 0
  DELETE g
  RETURN count(g) AS dropped
}
DELETE x
RETURN a.key AS alias, a.name AS alias_name, s.key AS survivor, mentions, listings
