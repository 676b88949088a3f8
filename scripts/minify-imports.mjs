// Renames the wasm's imports to short names, in the .wasm and in each
// wasm-bindgen glue that feeds it, so that the package carries
// `a.b` instead of `./epay_wasm_bg.js.__wbg_set_body_877d5251e78ca815`
// 98 times (about 2 KB of the gzipped .wasm). Exports keep their names
// (they are what `init()` returns), but for wasm-bindgen's two closure
// trampolines, whose 250-character names only the glue uses: they become
// `__wbg_invoke0`, `__wbg_invoke1` in the .wasm, the glues and the .d.ts.
//
//   node scripts/minify-imports.mjs module.wasm glue.js [glue.js...] [-- types.d.ts...]
//
// Fails, changing nothing, unless every name occurs exactly where expected
// in every glue.

import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const [wasmPath, ...gluePaths] = dash < 0 ? args : args.slice(0, dash);
const typePaths = dash < 0 ? [] : args.slice(dash + 1);
const wasm = readFileSync(wasmPath);

function readLeb(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}
function leb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}
const name = (s) => Buffer.concat([leb(Buffer.byteLength(s)), Buffer.from(s)]);
/** a, b, ..., z, A, ..., Z, aa, ab, ...: short identifiers. */
function shortName(i) {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  do {
    s = chars[i % 52] + s;
    i = Math.floor(i / 52) - 1;
  } while (i >= 0);
  return s;
}

// Find the import section (id 2) and rewrite its names.
let at = 8;
const parts = [wasm.subarray(0, 8)];
const renames = []; // [module, field, newField]
const exportRenames = []; // [old, new]
const modules = new Map(); // old module -> new module
while (at < wasm.length) {
  const id = wasm[at];
  const [size, body] = readLeb(wasm, at + 1);
  const end = body + size;
  if (id === 7) {
    // Exports: rename the closure trampolines.
    let p = body;
    let count;
    [count, p] = readLeb(wasm, p);
    const entries = [leb(count)];
    for (let i = 0; i < count; i++) {
      let len;
      [len, p] = readLeb(wasm, p);
      let field = wasm.subarray(p, p + len).toString();
      p += len;
      const descStart = p;
      p += 1;
      [, p] = readLeb(wasm, p);
      if (/^wasm_bindgen_[0-9a-f]+___convert__closures_____invoke___/.test(field)) {
        const short = `__wbg_invoke${exportRenames.length}`;
        exportRenames.push([field, short]);
        field = short;
      }
      entries.push(name(field), wasm.subarray(descStart, p));
    }
    if (p !== end) throw new Error('minify-imports: export section not read to its end');
    const section = Buffer.concat(entries);
    parts.push(Buffer.from([7]), leb(section.length), section);
    at = end;
    continue;
  }
  if (id !== 2) {
    parts.push(wasm.subarray(at, end));
    at = end;
    continue;
  }
  let p = body;
  let count;
  [count, p] = readLeb(wasm, p);
  const entries = [leb(count)];
  for (let i = 0; i < count; i++) {
    let len;
    [len, p] = readLeb(wasm, p);
    const module = wasm.subarray(p, p + len).toString();
    p += len;
    [len, p] = readLeb(wasm, p);
    const field = wasm.subarray(p, p + len).toString();
    p += len;
    // The import's kind and type: copied as they are.
    const kind = wasm[p];
    const descStart = p;
    p += 1;
    if (kind === 0) [, p] = readLeb(wasm, p); // function: type index
    else if (kind === 1) { p += 1; const [flags, q] = readLeb(wasm, p); p = q; [, p] = readLeb(wasm, p); if (flags & 1) [, p] = readLeb(wasm, p); } // table
    else if (kind === 2) { const [flags, q] = readLeb(wasm, p); p = q; [, p] = readLeb(wasm, p); if (flags & 1) [, p] = readLeb(wasm, p); } // memory
    else if (kind === 3) p += 2; // global: valtype, mutability
    else throw new Error(`minify-imports: unknown import kind ${kind}`);
    if (!modules.has(module)) modules.set(module, shortName(modules.size));
    const newField = shortName(i);
    renames.push([module, field, newField]);
    entries.push(name(modules.get(module)), name(newField), wasm.subarray(descStart, p));
  }
  if (p !== end) throw new Error('minify-imports: import section not read to its end');
  const section = Buffer.concat(entries);
  parts.push(Buffer.from([2]), leb(section.length), section);
  at = end;
}

// Rewrite every glue, checking each name once.
const glues = gluePaths.map((path) => {
  let js = readFileSync(path, 'utf8');
  for (const [module, newModule] of modules) {
    const quoted = JSON.stringify(module);
    if (js.split(`${quoted}: import`).length !== 2) throw new Error(`minify-imports: ${path}: module ${quoted} not found once`);
    js = js.replace(`${quoted}: import`, `${JSON.stringify(newModule)}: import`);
  }
  for (const [, field, newField] of renames) {
    const key = new RegExp(`(?<![\\w$])${field.replace(/\$/g, '\\$')}(?=: function\\b|: \\w)`, 'g');
    const hits = js.match(key)?.length ?? 0;
    if (hits !== 1 || js.split(field).length !== 2) throw new Error(`minify-imports: ${path}: import ${field} found ${hits} times as a key`);
    js = js.replace(key, newField);
  }
  for (const [old, short] of exportRenames) {
    if (js.split(`wasm.${old}(`).length !== 2) throw new Error(`minify-imports: ${path}: export ${old} not called once`);
    js = js.replace(`wasm.${old}(`, `wasm.${short}(`);
  }
  return [path, js];
});
const types = typePaths.map((path) => {
  let ts = readFileSync(path, 'utf8');
  for (const [old, short] of exportRenames) {
    const hits = ts.split(`readonly ${old}:`).length - 1;
    if (hits > 1) throw new Error(`minify-imports: ${path}: export ${old} declared ${hits} times`);
    ts = ts.replace(`readonly ${old}:`, `readonly ${short}:`);
  }
  return [path, ts];
});
writeFileSync(wasmPath, Buffer.concat(parts));
for (const [path, text] of [...glues, ...types]) writeFileSync(path, text);
console.error(`minify-imports: ${renames.length} imports from ${modules.size} module(s) and ${exportRenames.length} exports renamed`);
