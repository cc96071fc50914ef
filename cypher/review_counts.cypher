// How many pairs wait for review and how many keep-apart decisions exist (for the demo,
// `kgsynth stats` and run manifests).
// Parameters: none.
// Returns: one row: queued, kept_apart.
RETURN COUNT { (a:Concept)-[:REVIEW_CANDIDATE]->(b:Concept)
               WHERE NOT EXISTS { (a)-[:ALIAS_OF]->() }
                 AND NOT EXISTS { (b)-[:ALIAS_OF]->() } } AS queued,
       COUNT { (:Concept)-[:KEEP_APART]->(:Concept) } AS kept_apart
