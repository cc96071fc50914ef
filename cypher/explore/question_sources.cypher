// The documents behind a generated question: its concept set (the `set_hash` column of the
// questions table), the topics and key concepts in it, and the reference documents with their
// Jaccard scores. In Neo4j Browser: :param set_hash => '<set_hash from the parquet row>'
// Parameters: $set_hash.
// Returns: set_hash, elements (names in walk order), document_id, title, rank, jaccard.
MATCH (s:ConceptSet {hash: $set_hash})-[i:INCLUDES]->(n)
WITH s, collect({pos: i.pos, name: n.name}) AS items
// walk order without relying on ORDER BY before collect (not kept by every engine)
WITH s, [p IN range(0, size(items) - 1) | head([x IN items WHERE x.pos = p | x.name])] AS elements
MATCH (s)-[ref:REFERENCES]->(d:Document)
RETURN s.hash AS set_hash, elements, d.id AS document_id, d.title AS title,
       ref.rank AS rank, ref.jaccard AS jaccard
ORDER BY rank
