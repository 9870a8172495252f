// Confirms that every file and section named in the question sets exists in corpus/sources, so a
// new nodejs-doc or package version that renames a heading is caught before it skews hit@k.
// Usage: node eval/check-labels.mjs [set.jsonl ...]   (after scripts/fetch-corpus.sh; all sets
// of eval/ when none is named)
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'corpus', 'sources');

// path: of each manifest entry by id; the manifest is a flat list, a line scan reads it.
const folders = new Map();
let id = null;
for (const line of readFileSync(join(root, 'corpus', 'libraries.yaml'), 'utf8').split('\n')) {
  const m = line.match(/^\s*-?\s*(id|path):\s*([^\s#]+)/);
  if (!m) continue;
  if (m[1] === 'id') id = m[2];
  else if (id) folders.set(id, m[2]);
}

const norm = (h) => h.replace(/`/g, '').trim().toLowerCase();

// ATX headings outside fenced code: shell comments inside ``` blocks start with # too.
const headingCache = new Map();
function headings(file) {
  if (headingCache.has(file)) return headingCache.get(file);
  const found = new Set();
  let fence = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.match(/^ {0,3}(`{3,}|~{3,})/);
    if (f) {
      if (fence === null) fence = f[1][0].repeat(3);
      else if (f[1].startsWith(fence)) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = line.match(/^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/);
    if (h) found.add(norm(h[1]));
  }
  headingCache.set(file, found);
  return found;
}

const kinds = new Set(['plain', 'typo', 'synonym', 'error', 'one-word', 'flag', 'short', 'neighbour']);
const sets = process.argv.length > 2 ? process.argv.slice(2)
  : ['questions.jsonl', 'heldout.jsonl', 'dev.jsonl', 'heldout-2.jsonl'].map((f) => join(root, 'eval', f));
let bad = 0;
let count = 0;
for (const set of sets) readFileSync(set, 'utf8').split('\n').forEach((line, i) => {
  if (!line.trim()) return;
  count++;
  const q = JSON.parse(line);
  const where = `${set.split('/').pop()} line ${i + 1} (${q.question.slice(0, 50)})`;
  const folder = folders.get(q.library);
  if (!folder) { console.log(`${where}: library ${q.library} is not in corpus/libraries.yaml`); bad++; return; }
  if (!kinds.has(q.kind)) { console.log(`${where}: unknown kind ${q.kind}`); bad++; }
  for (const t of [{ file: q.file, section: q.section }, ...(q.also ?? [])]) {
    const file = join(sources, folder, t.file);
    if (!existsSync(file)) { console.log(`${where}: no file ${folder}/${t.file}`); bad++; continue; }
    if (!headings(file).has(norm(t.section))) { console.log(`${where}: no heading "${t.section}" in ${folder}/${t.file}`); bad++; }
  }
});
console.log(`${count} questions, ${bad} broken labels`);
process.exit(bad ? 1 : 0);
