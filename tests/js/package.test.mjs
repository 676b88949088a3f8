// The packed package, as a user gets it: `npm pack` pkg/, `npm install` the
// tarball into an empty project, then use it from Node CommonJS, Node ESM,
// a browser (native ESM) and a bundle (esbuild), and type-check TypeScript
// usage against it. Fixtures live in tests/package-usage/.
//
//   bash scripts/build.sh && node --test tests/js/package.test.mjs
//
// EPAY_WASM_PKG_DIR=<dir> tests another build than pkg/; TSC=<path> another tsc.
// Needs: npm (offline is fine), Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium), and the repo's devDependencies (playwright-core,
// esbuild, typescript, @types/node).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { TEST_KEY_FILES } from 'epay-sandbox';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = process.env.EPAY_WASM_PKG_DIR ?? join(ROOT, 'pkg'); // override: test another build
const TEMPLATE = join(ROOT, 'pkg-template');
const FIXTURES = join(ROOT, 'tests', 'package-usage');
const TSC = process.env.TSC ?? join(ROOT, 'node_modules', '.bin', 'tsc'); // override: another TypeScript
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** The functions and class the package promises; more exports may exist. */
const REQUIRED_EXPORTS = ['EpayError', 'buildPayUrl', 'buildSubmitForm', 'sign', 'signOrder', 'signParams', 'verifyNotify'];
/** Exports only the browser entry has: the wasm-bindgen loader. */
const WEB_ONLY_EXPORTS = ['default', 'init', 'initSync'];

const VECTOR_SHORT = '3854cc9f022e0fb821bd2e002260245d'; // {money:'moneyv', device:'devicev'} with '1234567'
const VECTOR_ORDER = '22af0227eebf7a4095b64af5fa89ca6d'; // checks.mjs VECTOR with 'testkey123'

const STEP_TIMEOUT = 30_000; // any single child process or browser step
const TEST_TIMEOUT = 120_000;

// ---------------------------------------------------------------- helpers

/** Runs a command; resolves { code, stdout, stderr } (never rejects on a non-zero exit). */
function run(cmd, args, { cwd = ROOT, timeout = STEP_TIMEOUT, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, env, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${cmd} ${args.join(' ')}: ${error.killed ? `killed after ${timeout} ms` : error.message}\n${stdout}\n${stderr}`));
        return;
      }
      resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/** Like run(), but a non-zero exit is an error that shows the output. */
async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** npm without the npm_* variables of an enclosing `npm test` (dry-run, global, prefix...). */
function npm(args, cwd) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !/^npm_(package_|lifecycle_|config_(global|prefix|dry_run|workspace))/i.test(k)));
  return runOk('npm', args, { cwd, env, timeout: 60_000 });
}

/** Runs a Node script in the consumer project and parses the JSON line it prints. */
async function runNodeConsumer(cwd, script) {
  const { stdout } = await runOk(process.execPath, [script], { cwd });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/** All files under dir, as relative paths with forward slashes. */
async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort();
}

/** Every file path a package.json points at: main, module, types, bin, exports leaves. */
function referencedPaths(manifest) {
  const out = new Set();
  const add = (p) => typeof p === 'string' && p.startsWith('./') && !p.includes('*') && out.add(p.slice(2));
  const walk = (node) => {
    if (typeof node === 'string') add(node);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  for (const field of ['main', 'module', 'types', 'typings', 'browser']) {
    if (typeof manifest[field] === 'string') add(manifest[field].startsWith('./') ? manifest[field] : `./${manifest[field]}`);
  }
  walk(manifest.exports);
  walk(typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : manifest.bin);
  return [...out].sort();
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** A static file server over `root` on 127.0.0.1 (random port), as a CDN or dev server would be. */
async function startStaticServer(root) {
  const server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (path !== root && !path.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(resolve);
    }),
  };
}

let browserPromise;
/** One headless Chromium for the whole file, launched on first use, closed in after(). */
function getBrowser() {
  browserPromise ??= import('playwright-core').then(({ chromium }) => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_TIMEOUT });
  });
  return browserPromise;
}

/**
 * Opens `url` in a fresh browser context and waits for the page to set
 * globalThis.__epay = { done, result | error }. Returns that plus what the
 * page logged and loaded, so the test can assert nothing went wrong quietly.
 */
async function loadPage(url) {
  const context = await (await getBrowser()).newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const consoleMessages = [];
  const pageErrors = [];
  const responses = [];
  page.on('console', (m) => consoleMessages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => pageErrors.push(String(e?.stack ?? e)));
  page.on('response', (r) => responses.push({
    path: new URL(r.url()).pathname,
    status: r.status(),
    contentType: r.headers()['content-type'],
  }));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT });
    await page.waitForFunction(() => globalThis.__epay?.done === true, null, { timeout: STEP_TIMEOUT });
    const report = await page.evaluate(() => globalThis.__epay);
    return { ...report, console: consoleMessages, pageErrors, responses };
  } finally {
    await context.close();
  }
}

/** A page load must not have logged errors/warnings (e.g. the wasm MIME fallback) or missed files. */
function assertCleanLoad(load) {
  assert.equal(load.error, undefined, `page failed:\n${load.error}`);
  assert.deepEqual(load.pageErrors, []);
  assert.deepEqual(load.console.filter((m) => m.type === 'error' || m.type === 'warning'), []);
  const missing = load.responses.filter((r) => r.status !== 200 && r.path !== '/favicon.ico');
  assert.deepEqual(missing, [], 'every requested file was served');
  const wasm = load.responses.filter((r) => r.path.endsWith('.wasm'));
  assert.equal(wasm.length, 1, 'the .wasm is fetched exactly once');
  assert.equal(wasm[0].contentType, 'application/wasm');
  return wasm[0];
}

/** The checks of checks.mjs, the same in every mode. */
function assertObservations(o, mode) {
  const msg = (what) => `${mode}: ${what}`;
  assert.equal(o.vectorShort, VECTOR_SHORT, msg('sign of {money, device}'));
  assert.equal(o.vectorOrder, VECTOR_ORDER, msg('sign of the reference order'));
  assert.equal(o.vectorFromSearchParams, VECTOR_ORDER, msg('sign of URLSearchParams'));
  assert.deepEqual(o.signParams, {
    money: '10.00', name: 'Test Product', notify_url: 'https://example.com/notify', out_trade_no: 'ORDER001',
    pid: '1001', type: 'alipay', sign: VECTOR_ORDER, sign_type: 'MD5',
  }, msg('signParams'));
  assert.equal(o.signedOrder.money, '10.00', msg('signOrder writes money with 2 decimals'));
  assert.equal(o.signedOrder.sign_type, 'MD5');
  assert.match(o.signedOrder.sign, /^[0-9a-f]{32}$/);

  for (const key of ['notifyOk', 'notifyFromObject']) {
    assert.equal(o[key].ok, true, msg(`${key}.ok`));
    assert.equal(o[key].paid, true, msg(`${key}.paid`));
    assert.equal(o[key].reason, null, msg(`${key}.reason`));
    assert.equal(o[key].data.trade_status, 'TRADE_SUCCESS');
  }
  assert.deepEqual(o.notifyWrongKey, { threw: false, value: 'bad_sign' }, msg('wrong KEY'));
  assert.deepEqual(o.notifyWrongMoney, { threw: false, value: 'money_mismatch' }, msg('wrong amount'));
  assert.deepEqual(o.notifyTampered, { threw: false, value: 'bad_sign' }, msg('tampered notify'));

  assert.match(o.form, /^<form method="post"[^>]* action="https:\/\/pay\.example\.com\/submit\.php">/, msg('form'));
  assert.ok(o.form.includes(`name="sign" value="${o.signedOrder.sign}"`), msg('form carries the sign'));
  assert.ok(o.form.includes('value="Tea &amp; &quot;cakes&quot; &lt;x&gt;"'), msg('form escapes values'));
  assert.ok(o.payUrl.startsWith('https://pay.example.com/submit.php?'), msg('payUrl'));
  assert.equal(new URL(o.payUrl).searchParams.get('sign'), o.signedOrder.sign, msg('payUrl signs like signOrder'));

  for (const [key, field] of [['badMoney', 'money'], ['badKey', 'key'], ['unsignedForm', 'sign'], ['badClient', 'gateway']]) {
    const e = o[key];
    assert.equal(e.threw, true, msg(`${key} throws`));
    assert.equal(e.isError, true, msg(`${key} instanceof Error`));
    assert.equal(e.isEpayError, true, msg(`${key} instanceof EpayError`));
    assert.equal(e.name, 'EpayError', msg(`${key} name`));
    assert.equal(e.code, 'INVALID_PARAM', msg(`${key} code`));
    assert.equal(e.field, field, msg(`${key} field`));
    assert.equal(typeof e.message, 'string');
    assert.ok(!e.message.includes('testkey123'), msg(`${key} message does not leak the KEY`));
    assert.equal(e.hasStack, true);
  }
  assert.deepEqual(o.client, { sign: VECTOR_ORDER, payUrl: o.payUrl, verify: null }, msg('EpayClient offline methods'));
  assert.match(o.qr.start, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="128" height="128"/, msg('toQrSvg'));
  assert.deepEqual(o.constructed, {
    isError: true, isEpayError: true, name: 'EpayError', code: 'INVALID_PARAM', field: 'money', message: 'bad money',
  }, msg('new EpayError(...)'));
}

function assertHasRequiredExports(keys, types, mode) {
  for (const name of REQUIRED_EXPORTS) {
    assert.ok(keys.includes(name), `${mode}: exports ${name}`);
    if (types) assert.equal(types[name], 'function', `${mode}: ${name} is a function`);
  }
}

/**
 * A TypeScript file that fails to compile unless the declared exports of
 * `specifier` are exactly `names` (the runtime's): generated, so new exports
 * need no test change, only matching types.
 */
function exportsCheck(importLine, names) {
  const union = names.map((n) => JSON.stringify(n)).join(' | ') || 'never';
  return `// Generated by tests/js/package.test.mjs from the runtime exports.
${importLine}
type Runtime = ${union};
// Every runtime export is declared...
export const declared: { [K in Runtime]: unknown } = {
${names.map((n) => `  ${JSON.stringify(n)}: ns[${JSON.stringify(n)}],`).join('\n')}
};
// ...and nothing is declared that is missing at runtime.
type TypesOnly = Exclude<keyof typeof ns, Runtime>;
export const typesOnly: [TypesOnly] extends [never] ? 'none' : { declaredButMissingAtRuntime: TypesOnly } = 'none';
`;
}

/** Runs tsc on a project; resolves { code, errors: [{ file, line, code, text }], output }. */
async function tsc(tsconfig) {
  const r = await run(TSC, ['-p', tsconfig, '--pretty', 'false']);
  const output = `${r.stdout}${r.stderr}`.trim();
  const errors = [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)]
    .map(([, file, line, code, text]) => ({ file: file.split(/[\\/]/).at(-1), line: Number(line), code, text }));
  return { code: r.code, errors, output };
}

/** `any` in a declaration file, outside comments and wasm-bindgen's raw-ABI InitOutput interface. */
function anyInDeclarations(text) {
  const blank = (m) => m.replace(/[^\n]/g, ' ');
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/\/\/.*$/gm, blank)
    // InitOutput describes the wasm exports themselves (pointers, externrefs):
    // wasm-bindgen's own, not a signature users call.
    .replace(/export interface InitOutput \{[\s\S]*?\n\}/, blank);
  return code.split('\n').flatMap((line, i) => (/\bany\b/.test(line) ? [`${i + 1}: ${text.split('\n')[i].trim()}`] : []));
}

/** The V1/V2 sign string, written here: non-empty fields but sign/sign_type, ASCII order, k=v joined by &. */
function signText(fields) {
  return Object.keys(fields).filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '').sort()
    .map((k) => `${k}=${fields[k]}`).join('&');
}

/** Whether openssl verifies `signature` (base64 SHA256withRSA) of `text` with the public key file. */
function opensslVerifies(text, signature, publicKeyFile) {
  const sig = join(tmp, 'v2.sig');
  writeFileSync(sig, Buffer.from(signature, 'base64'));
  try {
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', publicKeyFile, '-signature', sig], { input: text, stdio: ['pipe', 'pipe', 'ignore'] });
    return out.toString().trim() === 'Verified OK';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- setup

let tmp; // everything this file creates; removed in after()
let project; // the consumer project
let installed; // project/node_modules/epay-wasm
let packed; // npm pack --json output for the tarball
let server; // static server over `project`
const observed = {}; // mode -> observe() result, compared across modes at the end
const exportsBy = {}; // entry -> sorted export names

before(async () => {
  assert.ok(existsSync(join(PKG, 'package.json')) && existsSync(join(PKG, 'epay_wasm_bg.wasm')),
    'pkg/ is not built: run `bash scripts/build.sh` first');
  tmp = await mkdtemp(join(tmpdir(), 'epay-wasm-package-'));

  const { stdout } = await npm(['pack', PKG, '--pack-destination', tmp, '--json'], tmp);
  [packed] = JSON.parse(stdout);
  const tarball = join(tmp, packed.filename);

  project = join(tmp, 'project');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`);
  await npm(['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], project);
  installed = join(project, 'node_modules', 'epay-wasm');
  await cp(FIXTURES, join(project, 'usage'), { recursive: true });
  // What the browser page verifies and signs with WebCrypto (V2).
  const v3096 = join(project, 'usage', 'v3096');
  await mkdir(v3096);
  await cp(join(ROOT, 'tests', 'fixtures', 'v3096', 'v2', 'notify.json'), join(v3096, 'notify.json'));
  await cp(join(ROOT, 'tests', 'fixtures', 'v3096', 'platform_public_key.pem'), join(v3096, 'platform_public_key.pem'));
  await cp(TEST_KEY_FILES.merchant1005PrivateKey, join(v3096, 'merchant-1005.pem'));
  await cp(TEST_KEY_FILES.merchant1005PublicKey, join(v3096, 'merchant-1005-public.pem'));
});

after(async () => {
  if (browserPromise) await (await browserPromise.catch(() => null))?.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

describe('packed package', { timeout: TEST_TIMEOUT }, () => {
  test('pkg/ is a fresh build of pkg-template/', { skip: process.env.EPAY_WASM_PKG_DIR && 'EPAY_WASM_PKG_DIR is set' }, async () => {
    const stale = [];
    for (const file of await listFiles(TEMPLATE)) {
      const built = join(PKG, file);
      if (!existsSync(built) || !(await readFile(built)).equals(await readFile(join(TEMPLATE, file)))) stale.push(file);
    }
    assert.deepEqual(stale, [], 'pkg-template/ changed since the last build: run `bash scripts/build.sh`');
  });

  test('tarball: every file package.json points at is in it', async (t) => {
    const files = packed.files.map((f) => f.path).sort();
    t.diagnostic(`${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${files.length} files`);
    t.diagnostic(files.join(' '));
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
    assert.equal(manifest.name, 'epay-wasm');
    assert.equal(manifest.dependencies, undefined, 'no runtime dependencies');
    const missing = referencedPaths(manifest).filter((p) => !files.includes(p));
    assert.deepEqual(missing, [], 'package.json (main/module/types/exports/bin) points at files not in the tarball');
    assert.deepEqual(files.filter((f) => /\.(map|rs|log|tgz)$|(^|\/)\./.test(f)), [], 'no stray files');
    // The sandbox gateway is its own package (epay-sandbox, tests/js/sandbox-package.test.mjs).
    assert.deepEqual(files.filter((f) => /sandbox|^bin\//i.test(f)), [], 'no sandbox in the tarball');
    assert.deepEqual([manifest.bin, manifest.exports['./sandbox']], [undefined, undefined], 'no sandbox bin or export');
    const installedFiles = await listFiles(installed);
    assert.deepEqual(installedFiles, files, 'npm install unpacks exactly the packed files');
    // Where it comes from and what it runs on, for npm's page and for installers.
    assert.match(manifest.repository?.url ?? '', /github\.com\/epay-wasm\/epay-wasm/, 'repository');
    assert.ok(manifest.homepage && manifest.bugs?.url, 'homepage and bugs');
    assert.equal(manifest.engines?.node, '>=20', 'Node 20 or later');
    // Every JavaScript entry point has its types beside it.
    const untyped = Object.entries(manifest.exports).filter(([path, target]) => {
      const leaves = JSON.stringify(target).match(/"\.\/[^"]+\.[cm]?js"/g) ?? [];
      return leaves.length > 0 && !JSON.stringify(target).includes('"types"');
    }).map(([path]) => path);
    assert.deepEqual(untyped, [], 'export paths without types');
    for (const doc of ['README.md', 'LICENSE']) {
      if (!files.some((f) => f.toUpperCase().startsWith(doc.toUpperCase()))) t.diagnostic(`note: no ${doc} in the tarball`);
    }
  });

  test('wasm size', async (t) => {
    const wasm = await readFile(join(installed, 'epay_wasm_bg.wasm'));
    const gz = gzipSync(wasm, { level: 9 }).length;
    const br = brotliCompressSync(wasm, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
    t.diagnostic(`epay_wasm_bg.wasm: ${wasm.length} bytes raw, ${gz} gzip -9, ${br} brotli`);
    assert.ok(WebAssembly.validate(wasm), 'valid WebAssembly');
  });

  test('Node CommonJS: require() is ready synchronously', async () => {
    const r = await runNodeConsumer(project, 'usage/node-cjs.cjs');
    assert.equal(relative(installed, r.resolved), 'index.cjs', 'require resolves to index.cjs');
    assert.equal(r.immediate, VECTOR_SHORT, 'sign works on the line after require');
    assert.equal(r.packageJson, 'epay-wasm');
    assertHasRequiredExports(r.exports, r.types, 'CJS');
    assertObservations(r.observations, 'CJS');
    observed.cjs = r.observations;
    exportsBy.cjs = r.exports;
  });

  test('Node ESM: import is ready synchronously and shares the CJS instance', async () => {
    const r = await runNodeConsumer(project, 'usage/node-esm.mjs');
    assert.equal(relative(installed, fileURLToPath(r.resolved)), 'index.mjs', 'import resolves to index.mjs');
    assert.equal(relative(installed, fileURLToPath(r.resolvedWeb)), 'web.mjs', 'epay-wasm/web resolves to web.mjs');
    assert.equal(r.immediate, VECTOR_SHORT, 'sign works without init()');
    assertHasRequiredExports(r.exports, null, 'ESM');
    assert.deepEqual(r.exports, r.cjsExports, 'ESM and CJS export the same names');
    assert.deepEqual(Object.entries(r.sameAsCjs).filter(([, same]) => !same).map(([k]) => k), [],
      'ESM exports are the very CJS values (one wasm instance per process)');
    assert.deepEqual(r.webExports.filter((k) => !WEB_ONLY_EXPORTS.includes(k)), r.cjsExports,
      'the browser entry exports the same names as the Node entries, plus the loader');
    assert.deepEqual(WEB_ONLY_EXPORTS.filter((k) => !r.webExports.includes(k)), [], 'the browser entry exports the loader');
    assertObservations(r.observations, 'ESM');
    assertObservations(r.webObservations, 'web entry in Node (initSync)');
    observed.esm = r.observations;
    observed.webInNode = r.webObservations;
    exportsBy.esm = r.exports;
    exportsBy.web = r.webExports;
  });

  test('browser: web.mjs as native ESM from a static server', async (t) => {
    server ??= await startStaticServer(project);
    const load = await loadPage(`${server.origin}/usage/browser.html`);
    const wasm = assertCleanLoad(load);
    assert.equal(wasm.path, '/node_modules/epay-wasm/epay_wasm_bg.wasm');
    const r = load.result;
    assert.equal(r.initOutputHasMemory, true, 'init() resolves to the wasm exports');
    assert.equal(r.sign, VECTOR_SHORT);
    assert.deepEqual(r.error, { isError: true, isEpayError: true, name: 'EpayError', code: 'INVALID_PARAM', field: 'money' });
    assert.deepEqual({ ok: r.verify.ok, paid: r.verify.paid, reason: r.verify.reason }, { ok: true, paid: true, reason: null });
    assert.equal(r.posted.action, 'https://pay.example.com/submit.php');
    assert.equal(r.posted.method, 'post');
    assert.deepEqual(r.posted.fields, r.signedOrder, 'the form posts exactly the signed fields (HTML escaping round-trips)');
    assert.equal(r.posted.scripts, 1, 'the form comes with its auto-submit script');
    assertHasRequiredExports(r.exports, null, 'browser');
    if (exportsBy.web) assert.deepEqual(r.exports, exportsBy.web, 'same exports as web.mjs in Node');
    assertObservations(r.observations, 'browser');
    observed.browser = r.observations;
    // V2 with Chromium's WebCrypto: the v3096 notify verifies at its timestamp, is stale 301 s later, fails
    // after a change; key rotation; signV2's signature verifies with openssl, and the form posts it to api/pay/submit.
    const v2 = r.v2;
    assert.deepEqual(v2.atTimestamp, { ok: true, paid: true, reason: null });
    assert.deepEqual(v2.later301, { ok: false, paid: false, reason: 'stale_timestamp' });
    assert.deepEqual(v2.tampered, { ok: false, paid: false, reason: 'bad_sign' });
    assert.deepEqual(v2.rotation, { ok: true, paid: true, reason: null });
    assert.equal(opensslVerifies(signText(v2.signedOrder), v2.signature, TEST_KEY_FILES.merchant1005PublicKey), true, 'signV2 in Chromium');
    assert.equal(v2.posted.action, 'https://pay.example.com/api/pay/submit');
    assert.deepEqual(v2.posted.fields, v2.signedOrder);
    t.diagnostic(`files loaded: ${load.responses.map((x) => x.path).join(' ')}`);
  });

  test('bundler: esbuild resolves web.mjs and the bundle runs in the browser', async (t) => {
    const esbuild = await import('esbuild');
    server ??= await startStaticServer(project);
    const bundle = async (entry, outdir, extra = {}) => {
      const result = await esbuild.build({
        absWorkingDir: project,
        entryPoints: { bundle: join(project, 'usage', entry) },
        outdir: join(project, outdir),
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        metafile: true,
        logLevel: 'silent',
        ...extra,
      });
      assert.deepEqual(result.warnings.map((w) => w.text), [], `${entry}: esbuild warnings`);
      await cp(join(FIXTURES, 'bundle.html'), join(project, outdir, 'index.html'));
      const inputs = Object.keys(result.metafile.inputs).filter((p) => p.includes('node_modules/epay-wasm/'));
      const code = await readFile(join(project, outdir, 'bundle.js'), 'utf8');
      return { inputs, code, outputs: Object.keys(result.metafile.outputs) };
    };

    // 1. Zero-config: init() fetches new URL('epay_wasm_bg.wasm', import.meta.url),
    //    i.e. next to the bundle, so the .wasm is copied there (esbuild does not
    //    follow new URL(..., import.meta.url) by itself).
    const plain = await bundle('bundle-entry.mjs', 'dist/plain');
    assert.ok(plain.inputs.includes('node_modules/epay-wasm/web.mjs'), 'the "default" export condition picks web.mjs');
    assert.deepEqual(plain.inputs.filter((p) => /\/(index\.[cm]js|epay_wasm_node\.cjs)$/.test(p)), [],
      'no Node entry or CJS glue in the browser bundle');
    assert.ok(!/\brequire\(|node:|epay_wasm_node/.test(plain.code), 'no Node code in the browser bundle');
    assert.ok(plain.code.includes('new URL("epay_wasm_bg.wasm", import.meta.url)'), 'the wasm URL survives bundling');
    await cp(join(installed, 'epay_wasm_bg.wasm'), join(project, 'dist/plain/epay_wasm_bg.wasm'));
    t.diagnostic(`bundle.js: ${plain.code.length} bytes (unminified, with checks.mjs)`);

    const load = await loadPage(`${server.origin}/dist/plain/index.html`);
    const wasm = assertCleanLoad(load);
    assert.equal(wasm.path, '/dist/plain/epay_wasm_bg.wasm');
    assert.equal(load.result.sign, VECTOR_SHORT);
    assertHasRequiredExports(load.result.exports, null, 'bundle');
    if (exportsBy.web) assert.deepEqual(load.result.exports, exportsBy.web, 'the bundle sees the web.mjs exports');
    assertObservations(load.result.observations, 'bundle');
    observed.bundle = load.result.observations;

    // 2. The .wasm imported through the "./epay_wasm_bg.wasm" export with
    //    esbuild's file loader (copied and content-hashed by esbuild).
    const hashed = await bundle('bundle-entry-wasm-url.mjs', 'dist/file-loader', { loader: { '.wasm': 'file' } });
    assert.ok(hashed.outputs.some((p) => /dist\/file-loader\/epay_wasm_bg-\w+\.wasm$/.test(p)), 'esbuild emitted the .wasm');
    const load2 = await loadPage(`${server.origin}/dist/file-loader/index.html`);
    const wasm2 = assertCleanLoad(load2);
    assert.match(wasm2.path, /^\/dist\/file-loader\/epay_wasm_bg-\w+\.wasm$/);
    assert.equal(load2.result.sign, VECTOR_SHORT);
  });

  test('every mode computes the same results', (t) => {
    const modes = Object.keys(observed);
    t.diagnostic(`modes: ${modes.join(', ')}`);
    assert.ok(modes.length >= 2, 'at least two modes ran');
    for (const mode of modes.slice(1)) assert.deepEqual(observed[mode], observed[modes[0]], `${mode} vs ${modes[0]}`);
  });

  describe('TypeScript', () => {
    const dir = () => join(project, 'usage');

    before(async () => {
      // Node-only projects use @types/node and no DOM lib (tsconfig.node.json).
      const typesNode = join(ROOT, 'node_modules', '@types', 'node');
      assert.ok(existsSync(typesNode), '@types/node missing: run npm install in the repo');
      await mkdir(join(project, 'node_modules', '@types'), { recursive: true });
      await symlink(typesNode, join(project, 'node_modules', '@types', 'node'), 'dir');

      // Declared exports must match the runtime's, entry by entry.
      const cjs = (await runNodeConsumer(project, 'usage/node-cjs.cjs')).exports;
      const { exports: esm, webExports: web } = await runNodeConsumer(project, 'usage/node-esm.mjs');
      await writeFile(join(dir(), 'exports-node.cts'), exportsCheck("import ns = require('epay-wasm');", cjs));
      await writeFile(join(dir(), 'exports-node.mts'), exportsCheck("import * as ns from 'epay-wasm';", esm));
      await writeFile(join(dir(), 'exports-web.mts'), exportsCheck("import * as ns from 'epay-wasm/web';", web));
      await writeFile(join(dir(), 'exports-bundler.ts'), exportsCheck("import * as ns from 'epay-wasm';", web));
    });

    test('tsc version', async (t) => {
      const { stdout } = await runOk(TSC, ['--version']);
      t.diagnostic(`${TSC}: ${stdout.trim()}`);
    });

    // Each project: usage files with real types, @ts-expect-error on misuse
    // (an unused directive is an error, so `any` types fail), and the
    // generated exports-* files.
    for (const [config, what] of [
      ['tsconfig.json', 'nodenext: usage.ts (ESM), usage.cts (CJS), usage-web.ts (epay-wasm/web), DOM lib'],
      ['tsconfig.node.json', 'nodenext, Node-only (@types/node, no DOM lib)'],
      ['tsconfig.bundler.json', 'moduleResolution bundler: "epay-wasm" types are web.d.mts'],
    ]) {
      test(`${config}: ${what}`, async () => {
        const r = await tsc(join(dir(), config));
        assert.equal(r.code, 0, `tsc -p ${config} failed:\n${r.output}`);
      });
    }

    test('type-errors.ts fails exactly on its marked lines', async () => {
      const source = await readFile(join(dir(), 'type-errors.ts'), 'utf8');
      const marked = source.split('\n').flatMap((line, i) => (line.includes('// error:') ? [i + 1] : []));
      assert.ok(marked.length >= 3);
      const r = await tsc(join(dir(), 'tsconfig.errors.json'));
      assert.notEqual(r.code, 0, 'tsc must reject type-errors.ts');
      assert.deepEqual(r.errors.filter((e) => e.file !== 'type-errors.ts'), [], `errors elsewhere:\n${r.output}`);
      assert.deepEqual([...new Set(r.errors.map((e) => e.line))].sort((a, b) => a - b), marked, r.output);
    });

    test('no `any` in the public declaration files', async () => {
      const decls = (await listFiles(installed)).filter((f) => /\.d\.[cm]?ts$/.test(f));
      assert.ok(decls.length > 0);
      const found = [];
      for (const file of decls) {
        for (const hit of anyInDeclarations(await readFile(join(installed, file), 'utf8'))) found.push(`${file}:${hit}`);
      }
      assert.deepEqual(found, [], 'exported signatures use `any`');
    });
  });
});
