// Store walk arrays: per node and phase, the neighbour ids (ascending) and cumulative weights.
// Parameters: $rows (list of {id, nb: [int], cw: [float]}).
// Returns: written (number of rows).
UNWIND $rows AS r
CREATE (:WalkNode {id: r.id, nb: r.nb, cw: r.cw})
RETURN count(*) AS written
