// Put candidate pairs that the dedup verifier could not decide into the review queue: one
// (a)-[:REVIEW_CANDIDATE]->(b) edge per pair, `a` the smaller key. A pair already queued keeps
// its first record. A pair kept apart (KEEP_APART either way), or with an end that is merged
// into another concept, is not queued.
// Parameters: $rows (list of {id, a, b, score, rule, detail, threshold, queued_at}).
// Returns: id (one row per pair now in the queue).
UNWIND $rows AS r
MATCH (a:Concept {key: r.a})
MATCH (b:Concept {key: r.b})
WHERE NOT EXISTS { (a)-[:ALIAS_OF]->() } AND NOT EXISTS { (b)-[:ALIAS_OF]->() }
  AND NOT EXISTS { (a)-[:KEEP_APART]-(b) }
MERGE (a)-[q:REVIEW_CANDIDATE]->(b)
ON CREATE SET q.id = r.id, q.score = r.score, q.rule = r.rule, q.detail = r.detail,
              q.threshold = r.threshold, q.queued_at = r.queued_at
RETURN q.id AS id
