// What walk arrays depend on, and the signature of the arrays stored now.
// Parameters: none.
// Returns: graph_version (the co-occurrence counts' version), pending (documents not counted
//          yet), merges (merged concepts), sets (stored ConceptSets, for the coverage bias),
//          signature (of the stored arrays; null when none or a build did not finish),
//          rows (WalkNodes the build wrote), stored (WalkNodes there are now).
OPTIONAL MATCH (g:GraphInfo {key: 'cooccurrence'})
OPTIONAL MATCH (w:GraphInfo {key: 'walk_arrays'})
RETURN coalesce(g.version, 0) AS graph_version,
       COUNT { (d:Document) WHERE d.uncounted = true } AS pending,
       COUNT { (:Concept)-[:ALIAS_OF]->() } AS merges,
       COUNT { (:ConceptSet) } AS sets,
       w.signature AS signature, w.rows AS rows, COUNT { (:WalkNode) } AS stored
