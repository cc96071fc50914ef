// One seeded step of many walks at once on the topic–key concept sub-graph: the single step
// from the topic a walk stands on to its first key concept.
// The neighbours of the node a walk stands on are taken in key order with weight
//   (count + $epsilon)^(1 / $temperature) * (1 + uses)^(-$coverage_bias)
// (uses = number of stored ConceptSets that include the neighbour; the factor is 1 when the
// bias is 0), i.e. the softmax of log(count + eps) / temperature, damped by past use. Leaving
// out the walk's visited keys, the step goes to the first neighbour whose running weight
// reaches u * total, so p(next = n) = weight(n) / total. Walks standing on the same node share
// one expansion of its neighbours. CO_OCCURS is matched undirected (same-label edges are
// stored once, from the smaller key).
// Parameters: $walks (list of {i: walk index, key: key of the Topic the walk stands on,
//             u: uniform draw in [0, 1), visited: keys not to step onto}),
//             $epsilon, $temperature, $coverage_bias.
// Returns: walk (i), key, name of the Concept stepped onto; no row for a walk at a dead end
//          (no neighbour left).
UNWIND $walks AS w
WITH w.key AS current, collect(w) AS here
CALL (current) {
  MATCH (:Topic {key: current})-[r:CO_OCCURS]-(n:Concept)
  WITH n.key AS key, n.name AS name, (r.count + $epsilon) ^ (1.0 / $temperature) *
       CASE WHEN $coverage_bias = 0 THEN 1.0
            ELSE (1.0 + COUNT { (n)<-[:INCLUDES]-() }) ^ (-$coverage_bias) END AS weight
  ORDER BY key
  RETURN collect(key) AS keys, collect(name) AS names, collect(weight) AS weights
}
UNWIND here AS w
WITH w, keys, names, weights,
     [j IN range(0, size(keys) - 1) WHERE NOT keys[j] IN w.visited] AS open
WITH w, keys, names, weights, open, reduce(s = 0.0, j IN open | s + weights[j]) AS total
WITH w, keys, names, reduce(acc = {c: 0.0, j: -1}, j IN open |
       CASE WHEN acc.j >= 0 THEN acc
            WHEN acc.c + weights[j] >= w.u * total THEN {c: acc.c + weights[j], j: j}
            ELSE {c: acc.c + weights[j], j: -1} END) AS pick
WHERE pick.j >= 0
RETURN w.i AS walk, keys[pick.j] AS key, names[pick.j] AS name
