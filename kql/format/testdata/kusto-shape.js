// kusto-shape.js LIB DIR_ORIGINAL DIR_FORMATTED
//
// For each file of DIR_FORMATTED, parses it and the file of the same name
// in DIR_ORIGINAL with Microsoft's Kusto.Language parser (LIB is
// tools/kql-check/lib/kusto.js of the shared folder) and compares the
// shapes of the two syntax trees: node kinds, ignoring tokens and the
// variants that only change how a thing is written (adjacent strings,
// bracketed names, x.[i] for x[i]). Prints one JSON object: how many have
// the same shape, how many differ (with a few examples), and how many
// formatted texts Kusto.Language rejects.
'use strict';
const fs = require('fs');
const [lib, dirA, dirB] = process.argv.slice(2);
const kusto = require(lib);
kusto.load();

function shape(node) {
  if (node.IsToken) return null;
  let k = kusto.kindName(node.Kind);
  if (k === 'CompoundStringLiteralExpression') return 'StringLiteralExpression';
  if (k === 'BracketedName') return 'TokenName';
  const kids = kusto.children(node).map(shape).filter((x) => x !== null);
  if (k === 'PathExpression' && kids.length === 2 && kids[1].startsWith('BracketedExpression')) k = 'ElementExpression';
  return kids.length ? k + '(' + kids.join(' ') + ')' : k;
}

function read(f) {
  const t = fs.readFileSync(f, 'utf8');
  return t.charCodeAt(0) === 0xfeff ? t.slice(1) : t;
}

const out = { same: 0, different: 0, rejected: 0, examples: [] };
for (const f of fs.readdirSync(dirB).sort()) {
  const a = read(dirA + '/' + f), b = read(dirB + '/' + f);
  const cb = kusto.parse(b);
  if (!kusto.check(b, cb).ok) {
    out.rejected++;
    if (out.examples.length < 5) out.examples.push(f + ': formatted text rejected');
  }
  const sa = shape(kusto.parse(a).Syntax), sb = shape(cb.Syntax);
  if (sa === sb) { out.same++; continue; }
  out.different++;
  if (out.examples.length < 5) {
    let i = 0;
    while (i < sa.length && sa[i] === sb[i]) i++;
    out.examples.push(f + ': original ' + sa.slice(Math.max(0, i - 80), i + 80) + ' | formatted ' + sb.slice(Math.max(0, i - 80), i + 80));
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
