// Every benchmark item's concept keys (read by `kgsynth sample --avoid-benchmarks`).
// Parameters: none.
// Returns: key, benchmark, item, concept_keys; one row per item.
MATCH (b:BenchmarkItem)
RETURN b.key AS key, b.benchmark AS benchmark, b.item AS item, b.concept_keys AS concept_keys
ORDER BY key
