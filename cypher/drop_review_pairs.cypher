// Take pairs out of the review queue (after they were merged).
// Parameters: $ids (list of pair ids).
// Returns: dropped (number of queue edges deleted).
MATCH (:Concept)-[q:REVIEW_CANDIDATE]->(:Concept)
WHERE q.id IN $ids
DELETE q
RETURN count(*) AS dropped
