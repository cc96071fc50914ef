// Which of these concept sets are in the graph already (sampled by any run).
// Parameters: $hashes (list of set hashes).
// Returns: hash, one row per given hash that exists.
UNWIND $hashes AS h
MATCH (s:ConceptSet {hash: h})
RETURN s.hash AS hash
