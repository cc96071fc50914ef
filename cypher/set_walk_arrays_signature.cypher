// Record the signature of the stored walk arrays (null while they are being rebuilt, so an
// interrupted build is never taken for a finished one).
// Parameters: $signature (string or null), $rows (WalkNodes written, or null).
// Returns: signature.
MERGE (w:GraphInfo {key: 'walk_arrays'})
SET w.signature = $signature, w.rows = $rows
RETURN w.signature AS signature
