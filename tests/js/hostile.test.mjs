// Hostile input through the public JS API (issue #6), in Node and in headless
// Chromium. The cases live in hostile-cases.mjs (plain ESM, shared by both);
// this file computes the expected MD5s with node:crypto (outside the library),
// runs the cases against pkg/index.mjs (and some against pkg/index.cjs), then
// serves pkg/ and tests/js/ to a headless Chromium page that loads
// pkg/web.mjs and runs the same cases there.
//
//   bash scripts/build.sh && node --test tests/js/hostile.test.mjs
//
// Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and the repo's
// playwright-core. One subtest per case; a failing case names the input and
// what came back.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KNOWN_ANSWER, md5Inputs, runHostileCases } from './hostile-cases.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const STEP_TIMEOUT = 30_000; // launch, page load, init
const RUN_TIMEOUT = 240_000; // every case in one environment

/** Expected digests: MD5 of each fixture string, computed here, never by the library. */
const MD5 = Object.fromEntries(Object.entries(md5Inputs())
  .map(([id, s]) => [id, createHash('md5').update(s, 'utf8').digest('hex')]));

/** One subtest per case, so the report names each failing input. */
async function report(t, label, run) {
  const r = await run;
  t.diagnostic(`${label}: ${r.passed}/${r.total} passed in ${r.ms} ms${r.broken ? `; module broken by ${r.broken}` : ''}`);
  const slow = r.results.filter((c) => c.ms > 500).map((c) => `${c.id} ${c.ms} ms`);
  if (slow.length) t.diagnostic(`${label}: cases over 500 ms: ${slow.join('; ')}`);
  const timed = r.results.filter((c) => c.info?.ms !== undefined).map((c) => `${c.info.ms} ms ${c.info.reason}`);
  if (timed.length) t.diagnostic(`${label}: verifyNotify on 5 MB inputs: ${timed.join(', ')}`);
  for (const c of r.results) {
    await t.test(c.id, () => {
      if (c.pass) return;
      const failure = new assert.AssertionError({ message: c.error, operator: 'fail' });
      failure.stack = `${label}: ${c.error}`; // the case's own message says it all
      throw failure;
    });
  }
  return r;
}

test('the expected digests are computed correctly (known answers from the protocol notes)', () => {
  assert.equal(MD5.known, KNOWN_ANSWER.sign);
  // Independently: printf '%s' 'device=devicev&money=moneyv1234567' | md5sum
  assert.equal(createHash('md5').update('device=devicev&money=moneyv1234567').digest('hex'), KNOWN_ANSWER.sign);
});

test('Node: every case via pkg/index.mjs', { timeout: RUN_TIMEOUT }, async (t) => {
  const m = await import('../../pkg/index.mjs');
  await report(t, 'node esm', runHostileCases(m, { md5: MD5 }));
});

test('Node: a selection via pkg/index.cjs (require)', { timeout: RUN_TIMEOUT }, async (t) => {
  const m = createRequire(import.meta.url)('../../pkg/index.cjs');
  const r = await report(t, 'node cjs', runHostileCases(m, { md5: MD5, filter: (c) => c.cjs }));
  assert.ok(r.total >= 10, `at least 10 cases marked for CommonJS, got ${r.total}`);
});

// ------------------------------------------------------------------ browser

const CONTENT_TYPES = {
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>epay-wasm hostile input</title>
<script type="module">
try {
  const m = await import('/pkg/web.mjs');
  await m.default();
  const cases = await import('/tests/js/hostile-cases.mjs');
  globalThis.__hostile = { ready: true, m, cases };
} catch (e) {
  globalThis.__hostile = { ready: true, error: String(e && e.stack || e) };
}
</script>`;

/** Serves `/` (the page), and only files under pkg/ and tests/js/, on 127.0.0.1. */
async function startServer() {
  const allowed = [join(ROOT, 'pkg') + sep, join(ROOT, 'tests', 'js') + sep];
  const served = [];
  const server = createServer(async (req, res) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
      return;
    }
    let path;
    try {
      path = normalize(join(ROOT, decodeURIComponent(pathname)));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const type = CONTENT_TYPES[extname(path)];
    if (!type || !allowed.some((dir) => path.startsWith(dir))) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = await readFile(path);
      served.push({ path: pathname, type });
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    served,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

let cleanup = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
  cleanup = [];
});

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test('Chromium: every case via pkg/web.mjs', { timeout: RUN_TIMEOUT + 2 * STEP_TIMEOUT }, async (t) => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  const server = await startServer();
  cleanup.push(server.close);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_TIMEOUT });
  cleanup.push(() => browser.close());
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const pageErrors = [];
    const consoleErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e?.stack ?? e)));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(msg.text());
    });
    await page.goto(`${server.origin}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => globalThis.__hostile?.ready === true);
    const loadError = await page.evaluate(() => globalThis.__hostile.error ?? null);
    assert.equal(loadError, null, `page failed to load the module:\n${loadError}`);
    assert.ok(server.served.some((f) => f.path === '/pkg/epay_wasm_bg.wasm' && f.type === 'application/wasm'),
      'the .wasm was served as application/wasm');

    const run = page.evaluate(async (md5) => {
      const { m, cases } = globalThis.__hostile;
      return cases.runHostileCases(m, { md5 });
    }, MD5);
    await report(t, 'chromium', withTimeout(run, RUN_TIMEOUT, 'chromium run'));
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    assert.deepEqual(consoleErrors, [], 'no console errors or warnings');
  } finally {
    await browser.close();
    await server.close();
    cleanup = [];
  }
});
