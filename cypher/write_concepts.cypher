// Create key concepts by key; the first-seen spelling stays the display name.
// Parameters: $rows (list of {key, name}).
// Returns: written (number of rows).
UNWIND $rows AS r
MERGE (c:Concept {key: r.key})
ON CREATE SET c.name = r.name
RETURN count(c) AS written
