// The concept graph: a uniqueness constraint on every key that writes MERGE on,
// indexes on the properties walks and lookups filter on.
CREATE CONSTRAINT migration_version IF NOT EXISTS FOR (m:Migration) REQUIRE m.version IS UNIQUE;
CREATE CONSTRAINT graph_info_key IF NOT EXISTS FOR (g:GraphInfo) REQUIRE g.key IS UNIQUE;
CREATE CONSTRAINT document_id IF NOT EXISTS FOR (d:Document) REQUIRE d.id IS UNIQUE;
CREATE CONSTRAINT topic_key IF NOT EXISTS FOR (t:Topic) REQUIRE t.key IS UNIQUE;
CREATE CONSTRAINT concept_key IF NOT EXISTS FOR (c:Concept) REQUIRE c.key IS UNIQUE;
CREATE CONSTRAINT concept_set_hash IF NOT EXISTS FOR (s:ConceptSet) REQUIRE s.hash IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.id IS UNIQUE;
CREATE INDEX document_text_hash IF NOT EXISTS FOR (d:Document) ON (d.text_hash);
CREATE INDEX document_subject IF NOT EXISTS FOR (d:Document) ON (d.subject);
CREATE INDEX concept_name IF NOT EXISTS FOR (c:Concept) ON (c.name);
CREATE INDEX topic_name IF NOT EXISTS FOR (t:Topic) ON (t.name);
CREATE INDEX run_kind IF NOT EXISTS FOR (r:Run) ON (r.kind);
