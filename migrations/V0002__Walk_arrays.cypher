// Walk arrays: one WalkNode per walkable topic or key concept, looked up by its integer id.
CREATE CONSTRAINT walk_node_id IF NOT EXISTS FOR (w:WalkNode) REQUIRE w.id IS UNIQUE;
