// Lints Cypher statements with Neo4j's own linter (@neo4j-cypher/language-support).
//
// stdin : JSON array  [{"name": "...", "text": "...", "parameters": {"rows": [], ...}}, ...]
// stdout: JSON array  [{"name": "...", "diagnostics": [{"severity", "message", "line", "character"}]}]
//
// severity follows LSP: 1 = error (syntax, undefined variable, undeclared parameter),
// 2 = warning (e.g. deprecations), 3 = information, 4 = hint.
// line and character are 1-based (the library reports 0-based LSP positions).
// Every statement is linted as Cypher 5 (Neo4j 5), unless it starts with its own CYPHER n.
// Used by tests/cypherlint/runner.py; install with `npm ci --prefix tests/cypherlint`.
import { lintCypherQuery } from '@neo4j-cypher/language-support';

// Keep stdout for the JSON answer only, whatever the library may log.
console.log = console.error;
console.info = console.error;
console.debug = console.error;
console.warn = console.error;

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function lintOne(item) {
  const dbSchema = {
    parameters: item.parameters ?? {},
    defaultLanguage: 'CYPHER 5',
  };
  const result = lintCypherQuery(item.text ?? '', dbSchema, {
    consoleCommandsEnabled: false,
  });
  return (result.diagnostics ?? []).map((d) => ({
    severity: d.severity,
    message: d.message,
    line: (d.range?.start?.line ?? 0) + 1,
    character: (d.range?.start?.character ?? 0) + 1,
  }));
}

const items = JSON.parse(await readStdin());
if (!Array.isArray(items)) {
  throw new Error('lint.mjs expects a JSON array on stdin');
}
const out = items.map((item) => {
  try {
    return { name: item.name, diagnostics: lintOne(item) };
  } catch (err) {
    // A crash inside the linter must fail the test, not vanish.
    return {
      name: item.name,
      diagnostics: [
        {
          severity: 1,
          message: `linter crashed: ${err && err.stack ? err.stack : err}`,
          line: 1,
          character: 1,
        },
      ],
    };
  }
});
process.stdout.write(JSON.stringify(out));
