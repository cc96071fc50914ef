// Remove one benchmark's items (and their USES links) from the graph.
// Parameters: $benchmark (benchmark name).
// Returns: deleted (number of items removed).
MATCH (b:BenchmarkItem {benchmark: $benchmark})
DETACH DELETE b
RETURN count(*) AS deleted
