// Where the co-occurrence counts stand: their version (raised by every count and every
// recount after a merge), whether a rebuild was started and not finished, how many documents
// wait to be counted and how many edges there are.
// Parameters: none.
// Returns: version, rebuilding, pending (documents), edges (CO_OCCURS edges).
OPTIONAL MATCH (g:GraphInfo {key: 'cooccurrence'})
RETURN coalesce(g.version, 0) AS version, coalesce(g.rebuilding, false) AS rebuilding,
       COUNT { (d:Document) WHERE d.uncounted = true } AS pending,
       COUNT { ()-[:CO_OCCURS]->() } AS edges
