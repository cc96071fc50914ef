// One seeded step of many walks at once, on stored walk arrays (built by the sample stage
// from the CO_OCCURS counts; see kgsynth/stages/sample/arrays.py). A WalkNode holds, for one
// node and phase, its neighbours' ids in ascending order (nb) and their cumulative step
// weights (cw). The step leaves out the walk's visited neighbours (found by binary search)
// and picks the first neighbour whose cumulative weight, shifted past the left-out ones,
// reaches u * (total weight left): p(next = n) = weight(n) / total. Cost grows with the log
// of the degree, not the degree; walks standing on the same node share one read of its
// arrays. Arrays of up to 2^20 neighbours.
// Parameters: $walks (list of {i: walk index, node: WalkNode id, u: uniform draw in [0, 1),
//             visited: neighbour ids not to step onto, ascending}).
// Returns: walk (i), node (the neighbour id stepped onto); no row for a walk at a dead end.
UNWIND $walks AS w
WITH w.node AS node, collect(w) AS here
MATCH (a:WalkNode {id: node})
WITH here, a.nb AS nb, a.cw AS cw
UNWIND here AS w
WITH w, nb, cw, size(nb) AS n
WITH w, nb, cw, n,
     [v IN w.visited | reduce(s = [0, n], k IN range(1, 21) |
       CASE WHEN s[0] >= s[1] THEN s
            WHEN nb[(s[0] + s[1]) / 2] < v THEN [(s[0] + s[1]) / 2 + 1, s[1]]
            ELSE [s[0], (s[0] + s[1]) / 2] END)[0]] AS at
WITH w, nb, cw, n,
     [j IN range(0, size(at) - 1) WHERE at[j] < n AND nb[at[j]] = w.visited[j] | at[j]] AS ex
WHERE size(ex) < n
WITH w, nb, cw, n, ex,
     [p IN ex | cw[p] - CASE WHEN p = 0 THEN 0.0 ELSE cw[p - 1] END] AS xw
WITH w, nb, cw, n, ex, xw, cw[n - 1] - reduce(s = 0.0, x IN xw | s + x) AS total
WITH w, nb, cw, n, ex, reduce(s = {t: w.u * total, stop: false}, j IN range(0, size(ex) - 1) |
       CASE WHEN s.stop THEN s
            WHEN ex[j] > 0 AND cw[ex[j] - 1] >= s.t THEN {t: s.t, stop: true}
            ELSE {t: s.t + xw[j], stop: false} END).t AS t
WITH w, nb, n, ex, reduce(s = [0, n], k IN range(1, 21) |
       CASE WHEN s[0] >= s[1] THEN s
            WHEN cw[(s[0] + s[1]) / 2] < t THEN [(s[0] + s[1]) / 2 + 1, s[1]]
            ELSE [s[0], (s[0] + s[1]) / 2] END)[0] AS lo
WITH w, nb, n, ex, [k IN range(lo, CASE WHEN lo + size(ex) < n - 1 THEN lo + size(ex)
                                         ELSE n - 1 END) WHERE NOT k IN ex] AS ahead
RETURN w.i AS walk,
       nb[CASE WHEN size(ahead) > 0 THEN ahead[0]
               ELSE last([k IN range(0, n - 1) WHERE NOT k IN ex]) END] AS node
