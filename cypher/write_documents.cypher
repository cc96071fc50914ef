// Create documents (idempotent: an existing id is left as it is). A new document is marked
// `uncounted` until its co-occurrence counts are added (finish_cooccurrence_count), and
// carries $batch, so the link queries of the same batch link only the documents it created.
// Parameters: $rows (list of {id, title, text, source, text_hash, chars, level, subject,
//             model, prompt, prompt_hash}), $now (ISO time), $batch (an id new per batch).
// Returns: created (number of rows written).
UNWIND $rows AS r
MERGE (d:Document {id: r.id})
ON CREATE SET d.title = r.title, d.name = r.title, d.text = r.text, d.source = r.source,
              d.text_hash = r.text_hash, d.chars = r.chars, d.level = r.level,
              d.subject = r.subject, d.extraction_model = r.model, d.prompt = r.prompt,
              d.prompt_hash = r.prompt_hash, d.ingested_at = $now,
              d.uncounted = true, d.batch = $batch
RETURN count(d) AS created
