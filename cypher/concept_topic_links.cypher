// How strongly each key concept of a sampled concept set belongs to each of the set's topics:
// the number of times it was listed under the topic (HAS_CONCEPT) and the number of documents
// in which both occur (CO_OCCURS). Level-3 prompts group the set's concepts by topic with it.
// Parameters: $pairs (list of {topic, concept}: topic and concept keys).
// Returns: topic, concept, listed, cooccurs; one row per pair whose two nodes exist.
UNWIND $pairs AS p
MATCH (t:Topic {key: p.topic})
MATCH (c:Concept {key: p.concept})
OPTIONAL MATCH (t)-[h:HAS_CONCEPT]->(c)
OPTIONAL MATCH (t)-[o:CO_OCCURS]->(c)
RETURN p.topic AS topic, p.concept AS concept, coalesce(h.count, 0) AS listed,
       coalesce(o.count, 0) AS cooccurs
