// Where a Level-1/2 question came from: its source document, the topics and key concepts
// extracted from it, and which key concepts were listed under which topic.
// In Neo4j Browser: :param id => '<source_doc_id column of the question's row>'
//                   :param limit => 40
// Parameters: $id (document id), $limit (key concepts shown).
// Returns: document (node), topics (nodes), has_topic (HAS_TOPIC relationships), concepts
//          (nodes), mentions (MENTIONS relationships), listed (HAS_CONCEPT relationships
//          between those topics and concepts), concept_total.
MATCH (d:Document {id: $id})
OPTIONAL MATCH (d)-[h:HAS_TOPIC]->(t:Topic)
WITH d, collect(t) AS topics, collect(h) AS has_topic
OPTIONAL MATCH (d)-[m:MENTIONS]->(c:Concept)
WITH d, topics, has_topic, m, c
ORDER BY c.key
LIMIT $limit
WITH d, topics, has_topic, collect(c) AS concepts, collect(m) AS mentions
OPTIONAL MATCH (t:Topic)-[l:HAS_CONCEPT]->(c:Concept)
WHERE t IN topics AND c IN concepts
RETURN d AS document, topics, has_topic, concepts, mentions, collect(l) AS listed,
       COUNT { (d)-[:MENTIONS]->(:Concept) } AS concept_total
