// Record one invocation of sample or generate (re-running with the same id keeps the start).
// Parameters: $id, $kind ("sample" | "generate" | "ingest"), $started_at (ISO time),
//             $params (JSON text of the validated parameters), $seed (int), $model (or null).
// Returns: id.
MERGE (r:Run {id: $id})
ON CREATE SET r.kind = $kind, r.name = $id, r.started_at = $started_at, r.params = $params,
              r.seed = $seed, r.model = $model
RETURN r.id AS id
