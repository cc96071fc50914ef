// Test only (tests/test_migrations.py): CREATE (not MERGE) a topic, to prove the uniqueness
// constraint holds.
// Parameters: $key.
// Returns: key.
CREATE (t:Topic {key: $key, name: $key})
RETURN t.key AS key
