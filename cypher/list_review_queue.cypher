// The review queue, best score first. Pairs with an end merged into another concept are left
// out (they come back if that merge is undone).
// Parameters: $ids (list of pair ids, or null for every pair), $limit (most pairs returned),
//             $examples (titles of mentioning documents listed per concept).
// Returns: id, a, a_name, b, b_name, score, rule, detail, queued_at, a_docs, b_docs (lists of
//          document titles, in document id order).
MATCH (a:Concept)-[q:REVIEW_CANDIDATE]->(b:Concept)
WHERE ($ids IS NULL OR q.id IN $ids)
  AND NOT EXISTS { (a)-[:ALIAS_OF]->() } AND NOT EXISTS { (b)-[:ALIAS_OF]->() }
WITH a, q, b
ORDER BY q.score DESC, q.id
LIMIT $limit
CALL (a) {
  OPTIONAL MATCH (d:Document)-[:MENTIONS]->(a)
  WITH d ORDER BY d.id
  RETURN collect(d.title)[0..$examples] AS a_docs
}
CALL (b) {
  OPTIONAL MATCH (d:Document)-[:MENTIONS]->(b)
  WITH d ORDER BY d.id
  RETURN collect(d.title)[0..$examples] AS b_docs
}
RETURN q.id AS id, a.key AS a, a.name AS a_name, b.key AS b, b.name AS b_name,
       q.score AS score, q.rule AS rule, q.detail AS detail, q.queued_at AS queued_at,
       a_docs, b_docs
ORDER BY score DESC, id
