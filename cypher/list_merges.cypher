// Every merge record, for review (and for choosing one to undo).
// Parameters: none.
// Returns: alias, alias_name, survivor, survivor_name, score (cosine of alias and survivor),
//          link_score (best pair score that put the alias in the cluster), threshold,
//          merged_at, rule, reason, decided_by; ordered by merged_at, survivor, alias.
MATCH (a:Concept)-[x:ALIAS_OF]->(s:Concept)
RETURN a.key AS alias, a.name AS alias_name, s.key AS survivor, s.name AS survivor_name,
       x.score AS score, x.link_score AS link_score, x.threshold AS threshold,
       x.merged_at AS merged_at, x.rule AS rule, x.reason AS reason, x.decided_by AS decided_by
ORDER BY merged_at, survivor, alias
