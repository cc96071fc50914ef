// Create topics by key; the first-seen spelling stays the display name.
// Parameters: $rows (list of {key, name}).
// Returns: written (number of rows).
UNWIND $rows AS r
MERGE (t:Topic {key: r.key})
ON CREATE SET t.name = r.name
RETURN count(t) AS written
