// Record that two concepts are distinct: a (a)-[:KEEP_APART]->(b) edge (`a` the smaller key)
// that dedup, its --rebuild and later ingests respect; the pair leaves the review queue.
// A second decision on the same pair updates the record.
// Parameters: $rows (list of {a, b, score, decided_by, reason, decided_at}).
// Returns: a, b, dequeued (queue edges deleted); one row per pair whose concepts exist.
UNWIND $rows AS r
MATCH (a:Concept {key: r.a})
MATCH (b:Concept {key: r.b})
CALL (a, b) {
  OPTIONAL MATCH (a)-[q:REVIEW_CANDIDATE]-(b)
  DELETE q
  RETURN count(q) AS dequeued
}
MERGE (a)-[k:KEEP_APART]->(b)
SET k.score = r.score, k.decided_by = r.decided_by, k.reason = r.reason,
    k.decided_at = r.decided_at
RETURN a.key AS a, b.key AS b, dequeued
