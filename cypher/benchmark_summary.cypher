// Per benchmark: its items and how many distinct graph concepts they use.
// Parameters: none.
// Returns: benchmark, items, linked (distinct concepts in the graph used by its items).
MATCH (b:BenchmarkItem)
OPTIONAL MATCH (b)-[:USES]->(c:Concept)
RETURN b.benchmark AS benchmark, count(DISTINCT b) AS items, count(DISTINCT c) AS linked
ORDER BY benchmark
