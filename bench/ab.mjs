// Two builds of the package side by side, for a change too small for the
// full run's ratios on a loaded machine (bench/README.md, ledger):
//
//   node bench/ab.mjs <dirA> <dirB> [--only=node|browser]
//
// e.g. `cp -r pkg /tmp/before`, change and rebuild, then
// `node bench/ab.mjs /tmp/before pkg`. Both builds are loaded in one
// process (Node) or one page (Chromium) and run the workload's `sign` and
// `verifyNotify (object)` in alternating batches; a figure is the fastest
// batch's ns a call: the time the code takes when nothing else runs, which
// is what a change moves. Not a replacement for run.mjs's ratios.

import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { extname, join, resolve, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const [a, b] = process.argv.slice(2).filter((x) => !x.startsWith('--')).map((d) => resolve(d));
const only = process.argv.find((x) => x.startsWith('--only='))?.slice(7);
if (!a || !b) throw new Error('usage: node bench/ab.mjs <dirA> <dirB> [--only=node|browser]');

/**
 * In Node or in the page: the fastest batch of each build for each
 * operation. `reps` × 64 calls a batch: short in Node (fewer batches cut by
 * the scheduler), long in Chromium (its clock ticks every 0.1 ms).
 */
async function fastest(entries, workloadUrl, init, reps) {
  const W = await import(workloadUrl);
  const builds = [];
  for (const url of entries) {
    const m = await import(url);
    if (init) await m.default();
    builds.push(m);
  }
  const w = W.workload((s) => s.length.toString(16).padStart(32, '0')); // the signatures are not checked
  const ops = {
    sign: (m, i) => m.sign(w.orders[i], W.KEY),
    'verifyNotify (object)': (m, i) => m.verifyNotify(w.notifyObjects[i], W.KEY),
  };
  const out = {};
  for (const [name, op] of Object.entries(ops)) {
    const best = builds.map(() => Infinity);
    for (let round = 0; round < 300; round++) {
      builds.forEach((m, j) => {
        const t = performance.now();
        for (let k = 0; k < reps; k++) for (let i = 0; i < W.POOL; i++) op(m, i);
        best[j] = Math.min(best[j], ((performance.now() - t) * 1e6) / (reps * W.POOL));
      });
    }
    out[name] = best.map(Math.round);
  }
  return out;
}

function report(where, result) {
  for (const [op, [ta, tb]] of Object.entries(result)) {
    console.log(`${where} ${op}: ${ta} ns → ${tb} ns (${(((tb - ta) / ta) * 100).toFixed(1)}%)`);
  }
}

if (only !== 'browser') {
  // Distinct paths, so each build's glue is its own module instance.
  const url = (dir) => pathToFileURL(`${dir}/index.mjs`).href;
  report('Node', await fastest([url(a), url(b)], new URL('workload.mjs', import.meta.url).href, false, 10));
}

if (only !== 'node') {
  // Served from one origin: the repo, and the two builds under /a/ and /b/.
  const dirs = { a, b };
  const types = { '.html': 'text/html', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const [, top, ...rest] = decodeURIComponent(new URL(req.url, 'http://x').pathname).split('/');
    if (top === '') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>ab</title>');
    const base = dirs[top] ?? join(ROOT, top);
    const file = resolve(base, ...rest);
    let body;
    try {
      if (!['bench', 'a', 'b'].includes(top) || relative(base, file).startsWith('..')) throw new Error('outside');
      body = readFileSync(file);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const result = await page.evaluate(`(${fastest})(['/a/web.mjs', '/b/web.mjs'], '/bench/workload.mjs', true, 64)`);
    report('Chromium', result);
  } finally {
    await browser.close();
    server.close();
  }
}
