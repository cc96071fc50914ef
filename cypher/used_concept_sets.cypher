// Which concept sets were already sampled by another run (sample.skip_used skips them).
// Parameters: $hashes (list of set hashes), $run_id (the current run, whose own sets don't count).
// Returns: hash, one row per given hash that a run other than $run_id sampled.
UNWIND $hashes AS h
MATCH (s:ConceptSet {hash: h})
WHERE EXISTS { (r:Run)-[:SAMPLED]->(s) WHERE r.id <> $run_id }
RETURN s.hash AS hash
