// Create or update benchmark items (concept-level decontamination); a re-add replaces the
// stored question and keys.
// Parameters: $rows (list of {key, benchmark, item, question, concept_keys, topic_keys}),
// $now (ISO time).
// Returns: written (number of rows).
UNWIND $rows AS r
MERGE (b:BenchmarkItem {key: r.key})
SET b.benchmark = r.benchmark, b.item = r.item, b.question = r.question,
    b.concept_keys = r.concept_keys, b.topic_keys = r.topic_keys, b.added_at = $now
RETURN count(b) AS written
