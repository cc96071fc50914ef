// Benchmark items for concept-level decontamination (`kgsynth benchmark add`): one node per
// item, keyed by benchmark file name and item id, linked to the concepts it uses.
CREATE CONSTRAINT benchmark_item_key IF NOT EXISTS FOR (b:BenchmarkItem) REQUIRE b.key IS UNIQUE;
CREATE INDEX benchmark_item_benchmark IF NOT EXISTS FOR (b:BenchmarkItem) ON (b.benchmark);
