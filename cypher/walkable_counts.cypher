// How many topics and key concepts a walk may visit with sample.min_documents = $min_documents
// (those mentioned by at least that many documents; merged aliases left out).
// Parameters: $min_documents.
// Returns: topics, concepts.
RETURN COUNT { (t:Topic) WHERE $min_documents <= 1
               OR COUNT { (t)<-[:HAS_TOPIC]-(:Document) } >= $min_documents } AS topics,
       COUNT { (c:Concept) WHERE NOT EXISTS { (c)-[:ALIAS_OF]->() } AND ($min_documents <= 1
               OR COUNT { (c)<-[:MENTIONS]-(:Document) } >= $min_documents) } AS concepts
