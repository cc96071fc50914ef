// Counts for `kgsynth stats` and run manifests.
// Parameters: none.
// Returns: one row of counts.
RETURN COUNT { (:Document) } AS documents,
       COUNT { (:Topic) } AS topics,
       COUNT { (c:Concept) WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() } } AS concepts,
       COUNT { (:Concept)-[:ALIAS_OF]->() } AS merged_concepts,
       COUNT { (:Document)-[:MENTIONS]->() } AS mentions,
       COUNT { (:Document)-[:HAS_TOPIC]->() } AS document_topics,
       COUNT { (:Topic)-[:HAS_CONCEPT]->() } AS topic_concepts,
       COUNT { (:Topic)-[:CO_OCCURS]->(:Topic) } AS topic_edges,
       COUNT { (:Topic)-[:CO_OCCURS]->(:Concept) } AS topic_concept_edges,
       COUNT { (:Concept)-[:CO_OCCURS]->(:Concept) } AS concept_edges,
       COUNT { (:ConceptSet) } AS concept_sets,
       COUNT { (:Run) } AS runs
