// The benchmark (scripts/bench.sh runs it after building pkg/): epay-wasm
// against the plain JS a merchant writes instead, in Node and in headless
// Chromium, plus cold start and sizes. Writes bench/RESULTS.md.
//
//   node bench/run.mjs [--quick]

import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, statSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import md5 from 'md5';
import jsMd5 from 'js-md5';
import { createMD5 } from 'hash-wasm';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import * as epay from '../pkg/index.mjs';
import { runSuite, plainJs, ours, workload, check, KEY, POOL, order } from './workload.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'bench/out');
const quick = process.argv.includes('--quick');
// --only=node|cold|browser: that part alone, printed as JSON (RESULTS.md untouched).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const ROUNDS = quick ? 3 : 9;
const ROUND_MS = quick ? 100 : 250;
// A process start here varies by ±15 ms from one run to the next (2 cores,
// a shared host): with 61 paired runs the median's standard error is ~2 ms
// (the middle half of the differences is ~16 ms wide: 1.25 x 16 / 1.35 / sqrt(61)).
const COLD_RUNS = quick ? 5 : 61;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const require = createRequire(import.meta.url);
const version = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
/** The `q` quantile of `xs` (0.5: the median), interpolated between neighbours. */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
};
const median = (xs) => quantile(xs, 0.5);
const log = (...a) => console.error('bench:', ...a);

// ---- Node: ours against node:crypto, js-md5 and md5 (pure JS), hash-wasm -
async function nodeSuite() {
  const hashWasm = await createMD5();
  const hex = {
    'node:crypto': (s) => createHash('md5').update(s).digest('hex'),
    'js-md5': (s) => jsMd5(s),
    md5: (s) => md5(s),
    'hash-wasm': (s) => hashWasm.init().update(s).digest('hex'),
  };
  const impls = { ours: ours(epay) };
  for (const [name, h] of Object.entries(hex)) impls[name] = plainJs(h);
  const w = workload(hex['node:crypto']);
  check(impls, w);
  return runSuite(impls, w, { rounds: ROUNDS, ms: ROUND_MS });
}

// ---- Node cold start: process start -> import -> first sign -------------
// Against a process that only starts Node in the same module mode (the
// budget's measure), and for ES modules also against one that imports an
// empty module: the first file a process imports costs Node's loader
// several ms whatever the file is.
const EMPTY_MODULE = join(OUT, 'empty.mjs');

function coldStart() {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(EMPTY_MODULE, 'export {};\n');
  const call = `.sign(${JSON.stringify(order(0))}, ${JSON.stringify(KEY)})`;
  const modes = {
    bareEsm: ['--input-type=module', '-e', '0'],
    // Node's cost of importing any file at all (its ES module loader
    // reading, resolving, linking): what adding epay-wasm to an ES module
    // app costs is the import over this one.
    emptyEsm: ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(EMPTY_MODULE).href)})`],
    esm: ['--input-type=module', '-e', `const m = await import('./pkg/index.mjs'); if (m${call}.length !== 32) process.exit(1);`],
    bareCjs: ['-e', '0'],
    cjs: ['-e', `if (require('./pkg/index.cjs')${call}.length !== 32) process.exit(1);`],
  };
  const runs = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const [k, args] of Object.entries(modes)) {
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`cold start run failed: ${k}`);
      runs[k].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const diffs = (a, b) => runs[a].map((t, i) => t - runs[b][i]);
  const over = (a, b) => median(diffs(a, b));
  /** The middle half of the paired differences, as "a-b ms". */
  const iqr = (a, b) => `${quantile(diffs(a, b), 0.25).toFixed(1)}-${quantile(diffs(a, b), 0.75).toFixed(1)} ms`;
  return {
    overEsmIqr: iqr('esm', 'bareEsm'), overCjsIqr: iqr('cjs', 'bareCjs'),
    bareEsm: median(runs.bareEsm), esm: median(runs.esm), overEsm: over('esm', 'bareEsm'),
    emptyEsm: median(runs.emptyEsm), overEmptyEsm: over('emptyEsm', 'bareEsm'), esmOverEmpty: over('esm', 'emptyEsm'),
    bareCjs: median(runs.bareCjs), cjs: median(runs.cjs), overCjs: over('cjs', 'bareCjs'),
  };
}

// ---- Chromium: ours against js-md5, md5 and hash-wasm, in a page on loopback
async function browserSuite() {
  mkdirSync(OUT, { recursive: true });
  // The npm libraries as one ES module for the page (md5 is CommonJS).
  await esbuild.build({
    stdin: {
      contents: "export { default as md5 } from 'md5'; export { default as jsMd5 } from 'js-md5'; export { createMD5 } from 'hash-wasm';",
      resolveDir: ROOT,
    },
    bundle: true, format: 'esm', outfile: join(OUT, 'refs.js'), logLevel: 'error',
  });
  writeFileSync(join(OUT, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title>');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = join(ROOT, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!path.startsWith(ROOT) || !/^\/(pkg|bench)\//.test(path.slice(ROOT.length - 1))) return res.writeHead(404).end();
    try {
      const body = readFileSync(path);
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    // Init: a fresh context each time (no cached module), import -> init -> first sign.
    const inits = [];
    for (let i = 0; i < (quick ? 3 : 9); i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/bench/out/index.html`);
      inits.push(await page.evaluate(async ([order, key]) => {
        const t = performance.now();
        const m = await import('/pkg/web.mjs');
        await m.default();
        if (m.sign(order, key).length !== 32) throw new Error('bad sign');
        return performance.now() - t;
      }, [order(0), KEY]));
      await context.close();
    }
    const page = await browser.newPage();
    page.on('pageerror', (e) => log('page error', e.message));
    await page.goto(`${base}/bench/out/index.html`);
    const suite = await page.evaluate(async ([rounds, ms]) => {
      const [{ md5, jsMd5, createMD5 }, epay, W] = await Promise.all([
        import('/bench/out/refs.js'), import('/pkg/web.mjs'), import('/bench/workload.mjs'),
      ]);
      await epay.default();
      const hashWasm = await createMD5();
      const hex = { 'js-md5': (s) => jsMd5(s), md5: (s) => md5(s), 'hash-wasm': (s) => hashWasm.init().update(s).digest('hex') };
      const impls = { ours: W.ours(epay) };
      for (const [name, h] of Object.entries(hex)) impls[name] = W.plainJs(h);
      const w = W.workload(hex['js-md5']);
      W.check(impls, w);
      return W.runSuite(impls, w, { rounds, ms });
    }, [ROUNDS, ROUND_MS]);
    return { suite, init: median(inits), version: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}

// ---- Sizes -------------------------------------------------------------
function sizes() {
  const pkg = join(ROOT, 'pkg');
  const read = (f) => readFileSync(join(pkg, f));
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  const wasm = read('epay_wasm_bg.wasm');
  const web = Buffer.concat(['epay_wasm.mjs', 'web.mjs', 'fast.mjs'].map(read));
  const node = Buffer.concat(['epay_wasm_node.cjs', 'index.cjs', 'index.mjs', 'fast.cjs'].map(read));
  const packDir = join(OUT, 'pack');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: pkg, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  return {
    wasm: wasm.length, wasmGz: gz(wasm), webGlueGz: gz(web), nodeGlueGz: gz(node),
    tarball: statSync(join(packDir, packed.filename)).size, files: packed.entryCount,
  };
}

// ---- Report ------------------------------------------------------------
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${Math.round(n / 1000)} k`);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function table(suite, others) {
  const rows = ['| operation | epay-wasm ops/s | ' + others.map((o) => `${o} ops/s | ours/${o}`).join(' | ') + ' |',
    '|---|---:|' + others.map(() => '---:|---:').join('|') + '|'];
  for (const [op, r] of Object.entries(suite)) {
    rows.push(`| \`${op}\` | ${fmt(r.opsPerSec.ours)} | ` + others.map((o) => `${fmt(r.opsPerSec[o])} | **${r.ratio[o].toFixed(2)}x**`).join(' | ') + ' |');
  }
  return rows.join('\n');
}

/** Issue #9's budgets: [where, what, measured, limit, higher is better]. */
function budgets(node, browser, cold, size) {
  const ratio = (suite, op, other) => suite[op].ratio[other];
  const rows = [];
  const speed = (where, suite, op, others, limit) => {
    for (const o of others) rows.push([where, `\`${op}\` ≥ ${limit}x ${o} plain JS`, ratio(suite, op, o), limit, true]);
  };
  speed('Node', node, 'sign', ['node:crypto'], 1.3);
  speed('Node', node, 'verifyNotify (object)', ['node:crypto'], 1.0);
  speed('Node', node, 'verifyNotify (query string)', ['node:crypto'], 1.3);
  speed('Chromium', browser.suite, 'sign', ['js-md5', 'hash-wasm'], 1.3);
  speed('Chromium', browser.suite, 'verifyNotify (object)', ['js-md5', 'hash-wasm'], 1.0);
  speed('Chromium', browser.suite, 'verifyNotify (query string)', ['js-md5', 'hash-wasm'], 1.3);
  rows.push(['', '`.wasm` ≤ 80 KB gzipped (-9)', size.wasmGz / 1024, 80, false]);
  rows.push(['Node', 'ESM import + first `sign` ≤ 20 ms over bare Node', cold.overEsm, 20, false]);
  rows.push(['Node', 'CommonJS require + first `sign` ≤ 20 ms over bare Node', cold.overCjs, 20, false]);
  return rows;
}

function budgetTable(rows) {
  const shown = (value, limit, higher) => (higher ? `${value.toFixed(2)}x` : limit === 80 ? `${value.toFixed(1)} KB` : `${value.toFixed(1)} ms`);
  return ['| | budget | measured | |', '|---|---|---:|---|',
    ...rows.map(([where, what, value, limit, higher]) => {
      const met = higher ? value >= limit : value <= limit;
      return `| ${where} | ${what} | ${shown(value, limit, higher)} | ${met ? 'met' : '**missed**'} |`;
    })].join('\n');
}

if (only) {
  const run = { node: nodeSuite, cold: coldStart, browser: browserSuite }[only];
  console.log(JSON.stringify(await run(), null, 1));
  process.exit(0);
}
log(`Node ${process.version}: ${ROUNDS} rounds x ${ROUND_MS} ms per implementation and operation`);
const node = await nodeSuite();
log('cold start');
const cold = coldStart();
log('Chromium');
const browser = await browserSuite();
const size = sizes();
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const cpu = os.cpus();

const md = `# Benchmark results

Written by \`scripts/bench.sh\` (\`node bench/run.mjs\`${quick ? ' --quick' : ''}) on ${new Date().toISOString().slice(0, 10)}, commit \`${commit}\`.
Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.type()} ${os.release()}.
Node ${process.version}; Chromium ${browser.version} (headless, Debian's); js-md5 ${version('js-md5')}; md5 ${version('md5')}; hash-wasm ${version('hash-wasm')}.

Workload (bench/workload.mjs): the seed document's order (11 fields with a
Chinese name: pid, type, out_trade_no, notify_url, return_url, name
'VIP会员', money, clientip, device, param, plus sign_type) and a signed
notify of the same size, given to \`verifyNotify\` as a plain object (as
Express's \`req.query\` hands it) and as a query string; ${POOL} distinct
orders and notifies are cycled so that no call repeats the previous one's
text.

The other side is the plain JS a merchant writes instead (bench/workload.mjs
\`plainJs\`): sort, join, MD5, compare (the object kept as \`data\`, a query
string parsed with \`URLSearchParams\`), an escaped HTML template. Its MD5
comes from \`node:crypto\` (Node only), \`js-md5\` (the fastest pure-JS MD5),
\`md5\` (the most-downloaded one, several times slower) or \`hash-wasm\`
(hand-tuned WebAssembly). epay-wasm does more per call: it checks every
field name, \`sign_type\` and the field set of a notify, and validates every
field of the order for \`buildSubmitForm\` (money, URLs, IP, lengths).

Each figure is the median of ${ROUNDS} rounds; in a round every implementation
runs ${ROUND_MS} ms in turn, the order rotating from round to round. A ratio
is the median of the per-round ratios ours/theirs (above 1: epay-wasm is
faster).

## Budgets (issue #9)

${budgetTable(budgets(node, browser, cold, size))}

## Node

${table(node, ['node:crypto', 'js-md5', 'md5', 'hash-wasm'])}

## Chromium

${table(browser.suite, ['js-md5', 'md5', 'hash-wasm'])}

## Start-up

| | median |
|---|---:|
| Node ESM: process start → \`import('epay-wasm')\` → first \`sign\` | ${cold.esm.toFixed(1)} ms |
| Node ESM: a process that only starts (\`--input-type=module\`) | ${cold.bareEsm.toFixed(1)} ms |
| **Node ESM: import + first sign over bare Node** (median of ${COLD_RUNS} paired runs; middle half ${cold.overEsmIqr}) | **${cold.overEsm.toFixed(1)} ms** |
| Node ESM: importing an empty module, over bare Node (Node's own loader) | ${cold.overEmptyEsm.toFixed(1)} ms |
| Node ESM: import + first sign over importing an empty module (what epay-wasm adds to an ES module app) | ${cold.esmOverEmpty.toFixed(1)} ms |
| Node CommonJS: process start → \`require('epay-wasm')\` → first \`sign\` | ${cold.cjs.toFixed(1)} ms |
| Node CommonJS: a process that only starts | ${cold.bareCjs.toFixed(1)} ms |
| **Node CommonJS: require + first sign over bare Node** (median of ${COLD_RUNS} paired runs; middle half ${cold.overCjsIqr}) | **${cold.overCjs.toFixed(1)} ms** |
| Chromium: \`import('web.mjs')\` → \`await init()\` (fetch + compile) → first \`sign\`, fresh context | ${browser.init.toFixed(1)} ms |

## Size

| | bytes |
|---|---:|
| \`epay_wasm_bg.wasm\` | ${size.wasm} (${kb(size.wasm)}) |
| \`epay_wasm_bg.wasm\` gzipped (-9) | **${size.wasmGz} (${kb(size.wasmGz)})** |
| browser JS (epay_wasm.mjs + web.mjs + fast.mjs) gzipped | ${size.webGlueGz} (${kb(size.webGlueGz)}) |
| Node JS (epay_wasm_node.cjs + index.cjs + index.mjs + fast.cjs) gzipped | ${size.nodeGlueGz} (${kb(size.nodeGlueGz)}) |
| \`npm pack\` tarball (${size.files} files) | ${size.tarball} (${kb(size.tarball)}) |
`;
writeFileSync(join(ROOT, 'bench/RESULTS.md'), md);
console.log(md);
