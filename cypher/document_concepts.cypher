// The extracted topics and key concepts of documents (the Level-2 prompt's concept list).
// A concept's topic is a topic of the same document under which the concept was listed
// (HAS_CONCEPT); a concept listed under none of them comes back with a null topic.
// Parameters: $ids (list of document ids).
// Returns: id, topics (list of {key, name}), concepts (list of {key, name, topic}: topic is a
//          topic key or null); one row per id that exists.
UNWIND $ids AS id
MATCH (d:Document {id: id})
CALL (d) {
  MATCH (d)-[:HAS_TOPIC]->(t:Topic)
  RETURN collect({key: t.key, name: t.name}) AS topics
}
CALL (d) {
  MATCH (d)-[:MENTIONS]->(c:Concept)
  OPTIONAL MATCH (d)-[:HAS_TOPIC]->(t:Topic)-[:HAS_CONCEPT]->(c)
  RETURN collect({key: c.key, name: c.name, topic: t.key}) AS concepts
}
RETURN d.id AS id, topics, concepts
