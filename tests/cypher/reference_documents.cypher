// Reference documents of many concept sets at once: per set, the top $top_k documents by
// Jaccard similarity between the set and the document's concepts, both taken as sets of typed
// elements (a topic key and a key-concept key are different elements even when spelt alike):
// jaccard = shared / (|set| + |document| - shared), where |document| = its HAS_TOPIC plus
// MENTIONS links. Only documents that share at least one element are candidates. Ties are
// broken by document id, ascending.
// Parameters: $sets (list of {hash, topics: [distinct topic keys], concepts: [distinct concept
//             keys]}), $top_k.
// Returns: hash, ids (document ids, best first), scores (their Jaccard similarities); one row
//          per set (empty lists when no document shares an element).
UNWIND $sets AS s
CALL (s) {
  CALL (s) {
    UNWIND s.topics AS key
    MATCH (:Topic {key: key})<-[:HAS_TOPIC]-(d:Document)
    RETURN d
    UNION ALL
    UNWIND s.concepts AS key
    MATCH (:Concept {key: key})<-[:MENTIONS]-(d:Document)
    RETURN d
  }
  WITH s, d, count(*) AS shared
  WITH d.id AS id, toFloat(shared) / (size(s.topics) + size(s.concepts)
       + COUNT { (d)-[:HAS_TOPIC]->() } + COUNT { (d)-[:MENTIONS]->() } - shared) AS jaccard
  ORDER BY jaccard DESC, id ASC
  LIMIT $top_k
  RETURN collect(id) AS ids, collect(jaccard) AS scores
}
RETURN s.hash AS hash, ids, scores
