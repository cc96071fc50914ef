// Merge near-duplicate concepts into their survivors (one row per alias).
// Per row, in order: create (alias)-[:ALIAS_OF]->(survivor) carrying the merge record and the
// alias's own HAS_CONCEPT counts (topic_keys/topic_counts: its counts minus those recorded by
// concepts merged into it earlier, which undo_merge gives back); re-point those earlier aliases
// at the survivor; move MENTIONS to the survivor (union of `keys`) and HAS_CONCEPT (counts
// summed); delete the alias's CO_OCCURS edges. Run recompute_concept_cooccurrence for the
// survivors in the same transaction: summing co-occurrence counts would count twice a
// document that mentions both spellings.
// Parameters: $rows (list of {alias, survivor, score, link_score, threshold, merged_at, rule,
//             reason, decided_by}): rule is the verifier's (or "review"), decided_by says who
//             decided ("verifier", "review", "judge"), reason is the judge's or reviewer's words;
//             a key is never both an alias and a survivor within one call.
// Returns: alias, survivor, mentions (edges moved), listings (HAS_CONCEPT moved),
//          repointed (earlier aliases re-pointed), dropped (CO_OCCURS deleted); no row for an
//          alias or survivor that is missing or already merged.
UNWIND $rows AS r
MATCH (a:Concept {key: r.alias})
MATCH (s:Concept {key: r.survivor})
WHERE NOT EXISTS { (a)-[:ALIAS_OF]->() } AND NOT EXISTS { (s)-[:ALIAS_OF]->() }
CALL (a) {
  OPTIONAL MATCH (t:Topic)-[h:HAS_CONCEPT]->(a)
  OPTIONAL MATCH (:Concept)-[x:ALIAS_OF]->(a)
  WITH t, h, sum(reduce(n = 0, i IN range(0, size(coalesce(x.topic_keys, [])) - 1) |
       n + CASE WHEN x.topic_keys[i] = t.key THEN x.topic_counts[i] ELSE 0 END)) AS inherited
  WHERE h IS NOT NULL AND h.count - inherited > 0
  WITH t.key AS topic, h.count - inherited AS own
  ORDER BY topic
  RETURN collect(topic) AS topic_keys, collect(own) AS topic_counts
}
CREATE (a)-[:ALIAS_OF {score: r.score, link_score: r.link_score, threshold: r.threshold,
                       merged_at: r.merged_at, rule: r.rule, reason: r.reason,
                       decided_by: r.decided_by, topic_keys: topic_keys,
                       topic_counts: topic_counts}]->(s)
WITH a, s
CALL (a, s) {
  MATCH (b:Concept)-[x:ALIAS_OF]->(a)
  CREATE (b)-[y:ALIAS_OF]->(s)
  SET y = properties(x)
  DELETE x
  RETURN count(*) AS repointed
}
CALL (a, s) {
  MATCH (d:Document)-[m:MENTIONS]->(a)
  MERGE (d)-[n:MENTIONS]->(s)
  ON CREATE SET n.keys = m.keys
  ON MATCH SET n.keys = n.keys + [k IN m.keys WHERE NOT k IN n.keys]
  DELETE m
  RETURN count(*) AS mentions
}
CALL (a, s) {
  MATCH (t:Topic)-[h:HAS_CONCEPT]->(a)
  MERGE (t)-[g:HAS_CONCEPT]->(s)
  ON CREATE SET g.count = h.count
  ON MATCH SET g.count = g.count + h.count
  DELETE h
  RETURN count(*) AS listings
}
CALL (a) {
  OPTIONAL MATCH (a)-[c:CO_OCCURS]-()
  DELETE c
  RETURN count(c) AS dropped
}
RETURN a.key AS alias, s.key AS survivor, mentions, listings, repointed, dropped
