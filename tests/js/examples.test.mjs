// The examples/ files, run as a user runs them: copied to a temporary folder
// whose node_modules holds epay-wasm unpacked from `npm pack pkg/` (what npm
// installs) and the frameworks of the repo's devDependencies, then run as
// child processes against epay-sandbox: orders created, notifies verified
// and answered `success`, forged ones refused, every order fulfilled once
// (database.mjs: on PGlite, with reconciliation, and as two instances on one
// PostgreSQL). The Vite app is built by Vite (and served by its dev server)
// and loaded in headless Chromium. The README's marked snippets are checked
// against the files.
//
//   bash scripts/build.sh && node --test tests/js/examples.test.mjs
//
// EPAY_WASM_PKG_DIR=<dir> tests another build than pkg/.
// Needs: npm (offline is fine), Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium), Debian's postgresql (tests/js/postgres.mjs), the repo's
// devDependencies.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_KEY_FILES, startSandbox } from 'epay-sandbox';
import { TEST_KEY, TEST_PID, fetchAnswer, md5Sign, rsaSign, rsaVerifies, sleep, waitFor } from './support.mjs';
import { startPostgres } from './postgres.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = process.env.EPAY_WASM_PKG_DIR ?? join(ROOT, 'pkg'); // override: test another build
const EXAMPLES = join(ROOT, 'examples');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const STEP_TIMEOUT = 30_000;

// ---------------------------------------------------------------- helpers

/** Runs a command; resolves { code, stdout, stderr }. */
function run(cmd, args, { cwd = ROOT, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout: STEP_TIMEOUT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`${cmd} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve({ code: error ? error.code : 0, stdout, stderr });
    });
  });
}

/** The environment of an example: the sandbox's gateway, any free port. */
/** An example's environment: the sandbox named as "another gateway", so its merchant and keys are given too. */
const exampleEnv = (extra = {}) => ({
  ...process.env, EPAY_GATEWAY: sandbox.url, EPAY_PID: String(TEST_PID), EPAY_KEY: TEST_KEY, PORT: '0',
  EPAY_PLATFORM_PUBLIC_KEY: sandbox.platformPublicKey, EPAY_PRIVATE_KEY: readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8'),
  ...extra,
});

/** Runs an example to its end; resolves { code, stdout, stderr }. */
async function runExample(file) {
  const r = await run(process.execPath, [file], { cwd: join(work, 'examples'), env: exampleEnv() });
  printed.push({ file, text: r.stdout + r.stderr });
  return r;
}

/**
 * Starts an example that keeps running (a server). `line(re)` waits for a
 * line of its output matching `re` and resolves the match; `count(re)`
 * counts them; `exited` resolves { code, signal } when it ends.
 */
function startExample(file, env = {}) {
  const child = spawn(process.execPath, [file], { cwd: join(work, 'examples'), env: exampleEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    running.delete(child);
    printed.push({ file, text: stdout + stderr });
    resolve({ code, signal });
  }));
  const lines = () => stdout.split('\n');
  return {
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    count: (re) => lines().filter((l) => re.test(l)).length,
    line: (re, what = String(re)) => waitFor(() => {
      if (child.exitCode !== null) assert.fail(`${file} exited ${child.exitCode} before ${what}:\n${stdout}\n${stderr}`);
      return lines().map((l) => l.match(re)).find(Boolean);
    }, `${file}: ${what}\n${stdout}\n${stderr}`, STEP_TIMEOUT),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The reasons of the `notify refused (REASON): …` lines an example's onError
 * printed on stderr; any other line there fails.
 */
function refusedReasons(stderr) {
  return stderr.split('\n').filter(Boolean).map((line) => {
    const refused = line.match(/^notify refused \((\w+)\): /);
    assert.ok(refused, `not a refusal on stderr: ${line}\n${stderr}`);
    return refused[1];
  });
}

/** What an example printed after `label: `, up to the next `label: ` line. */
function labelled(stdout, label) {
  const part = stdout.split(/\n(?=[a-z][a-z ]*: )/).find((p) => p.startsWith(`${label}: `));
  assert.ok(part, `no "${label}:" in:\n${stdout}`);
  return part.slice(label.length + 2).trim();
}

/** The fields of an HTML form (inputs' name and value, entities decoded as a browser would) and its action. */
function formFields(html) {
  const decode = (s) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]);
  const action = decode(html.match(/<form [^>]*action="([^"]*)"/)[1]);
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)]
    .map(([, name, value]) => [decode(name), decode(value)]));
  return { action, fields };
}

/** The fields without sign and sign_type, signed here with node:crypto: whether `sign` is right. */
const md5Signs = (fields) => {
  const { sign, sign_type, ...rest } = fields;
  return sign === md5Sign(rest) && sign_type === 'MD5';
};

/** `fields` with sign_type RSA and their SHA256withRSA signature (node:crypto) by the private key in `keyFile`. */
const rsaSigned = async (fields, keyFile) => ({ ...fields, sign_type: 'RSA', sign: rsaSign(fields, await readFile(keyFile, 'utf8')) });

/** The sandbox's order with this out_trade_no (merchant 1005). */
const sandboxOrder = (outTradeNo) => sandbox.state.store.findByOut(TEST_PID, outTradeNo);

/** Pays an order through the sandbox's control API (the cashier's Pay button): the notify goes out. */
async function pay(tradeNo) {
  const r = await fetchAnswer(`${sandbox.url}_sandbox/orders/${tradeNo}/pay`, { method: 'POST', json: {} });
  assert.equal(r.status, 200, r.text);
}

/** Waits until the order's notify round ended; returns its notify record ({ status, url, attempts: [{ status, body, error }] }). */
async function notifyEnded(outTradeNo) {
  const order = sandboxOrder(outTradeNo);
  await waitFor(() => ['success', 'failed'].includes(order.notify.status), `notify of ${outTradeNo}`, STEP_TIMEOUT);
  return order.notify;
}

/** Bare package names imported or required by a JS file (node: built-ins and relative paths left out). */
function importedPackages(source) {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
}

/** Every file under dir, relative, forward slashes. */
async function listFiles(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/')).sort();
}

// ---------------------------------------------------------------- setup

let tmp; // everything this file creates
let work; // tmp/project: examples/ and node_modules/, as a user's project
let sandbox;
const running = new Set(); // example processes still alive, stopped in after()
const printed = []; // { file, text }: what each example run printed, checked for secrets at the end

before(async () => {
  assert.ok(existsSync(join(PKG, 'epay_wasm_bg.wasm')), 'pkg/ is not built: run `bash scripts/build.sh` first');
  tmp = await mkdtemp(join(tmpdir(), 'epay-wasm-examples-'));
  work = join(tmp, 'project');
  const modules = join(work, 'node_modules');
  await mkdir(join(modules, 'epay-wasm'), { recursive: true });
  // epay-wasm as npm installs it: the packed tarball, unpacked (it has no dependencies).
  const pack = await run('npm', ['pack', PKG, '--pack-destination', tmp, '--json'], { cwd: tmp });
  assert.equal(pack.code, 0, pack.stderr);
  const tarball = join(tmp, JSON.parse(pack.stdout)[0].filename);
  const untar = await run('tar', ['-xzf', tarball, '-C', join(modules, 'epay-wasm'), '--strip-components=1']);
  assert.equal(untar.code, 0, untar.stderr);
  await cp(EXAMPLES, join(work, 'examples'), { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
  // Every other package the examples declare, from the repo's node_modules.
  for (const manifest of ['package.json', 'vite/package.json']) {
    const { dependencies = {}, devDependencies = {} } = JSON.parse(await readFile(join(EXAMPLES, manifest), 'utf8'));
    for (const name of Object.keys({ ...dependencies, ...devDependencies })) {
      if (name === 'epay-wasm' || existsSync(join(modules, name))) continue;
      await mkdir(dirname(join(modules, name)), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
    }
  }
  sandbox = await startSandbox({ port: 0, notifyRetryDelaysMs: [100, 200, 400, 800] });
});

after(async () => {
  for (const child of running) child.kill('SIGKILL');
  await sandbox?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

describe('examples/ and the README', () => {
  test('every JavaScript block of the README and the npm README is an example file or a region of one, marked and equal', async (t) => {
    const seen = [];
    for (const doc of ['README.md', 'pkg-template/README.md']) {
      const markdown = await readFile(join(ROOT, doc), 'utf8');
      const blocks = codeBlocks(markdown, doc);
      const code = blocks.filter((b) => !b.lang || JS_LANGS.includes(b.lang));
      assert.deepEqual(code.filter((b) => !b.file).map((b) => `${doc}:${b.line} (${b.lang || 'no language'})`), [],
        `${doc}: every JavaScript block is preceded by <!-- examples/FILE --> or <!-- examples/FILE#REGION -->`);
      for (const { file, region, code: block, line } of blocks.filter((b) => b.file)) {
        const source = await readFile(join(ROOT, file), 'utf8');
        assert.equal(block, region ? regionOf(source, region, file) : source, `${doc}:${line} is ${file}${region ? `#${region}` : ''}`);
        seen.push(`${file}${region ? `#${region}` : ''}`);
      }
      const markers = markdown.match(/^<!-- examples\/.*-->$/gm) ?? [];
      assert.equal(markers.length, blocks.filter((b) => b.file).length, `${doc}: every marker is right above a code block`);
    }
    assert.ok(seen.length >= 15, `found ${seen.length} marked snippets`);
    t.diagnostic(`${seen.length} snippets: ${seen.join(', ')}`);
  });

  test('package.json files declare what the examples import, at the versions the tests run', async () => {
    const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).devDependencies;
    const expected = {
      ...root,
      'epay-wasm': `^${JSON.parse(await readFile(join(PKG, 'package.json'), 'utf8')).version}`,
      'epay-sandbox': `^${JSON.parse(await readFile(join(ROOT, 'packages/sandbox/package.json'), 'utf8')).version}`,
    };
    for (const [dir, manifest] of [['', 'package.json'], ['vite/', 'vite/package.json']]) {
      const { dependencies = {}, devDependencies = {} } = JSON.parse(await readFile(join(EXAMPLES, manifest), 'utf8'));
      const files = (await listFiles(join(EXAMPLES, dir))).filter((f) => /\.[cm]?js$/.test(f) && (dir || !f.startsWith('vite/')));
      const imported = new Set();
      for (const f of files) importedPackages(await readFile(join(EXAMPLES, dir, f), 'utf8')).forEach((p) => imported.add(p));
      assert.deepEqual(Object.keys({ ...dependencies, ...devDependencies }).sort(), [...imported].sort(), `${manifest}: dependencies = what ${dir || 'examples/'} imports`);
      for (const [name, range] of Object.entries({ ...dependencies, ...devDependencies })) {
        assert.equal(range, expected[name], `${manifest}: ${name}`);
      }
    }
  });
});

/** The languages of a Markdown code block that must be an example's (a block without one too). */
const JS_LANGS = ['js', 'mjs', 'cjs', 'javascript', 'ts', 'mts', 'cts', 'typescript', 'jsx', 'tsx'];

/**
 * The fenced code blocks of a Markdown text: `{ lang, code, line, file, region }`,
 * `file` and `region` from a `<!-- examples/FILE#REGION -->` line right above it.
 */
function codeBlocks(markdown, doc) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = lines[i].match(/^```\s*(\w*)/);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    assert.ok(end > i, `${doc}:${i + 1}: a code block that never ends`);
    const marker = lines[i - 1]?.match(/^<!-- (examples\/[^ #]+)(?:#([\w-]+))? -->$/);
    blocks.push({ lang: open[1], code: `${lines.slice(i + 1, end).join('\n')}\n`, line: i + 1, file: marker?.[1], region: marker?.[2] });
    i = end;
  }
  return blocks;
}

/** The lines between `// #region NAME` and `// #endregion` in `source`, their common indent removed. */
function regionOf(source, name, file) {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${name}`);
  assert.ok(start >= 0, `${file} has no region ${name}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '// #endregion');
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return `${body.map((l) => l.slice(indent)).join('\n')}\n`;
}

describe('Node examples against the sandbox', () => {
  test('an example given another gateway (EPAY_GATEWAY) but not its KEY or keys stops with an error naming it, never using the test ones', async () => {
    for (const [file, missing, field] of [['node-esm.mjs', 'EPAY_KEY', 'key'], ['client.mjs', 'EPAY_KEY', 'key'], ['v2.mjs', 'EPAY_PRIVATE_KEY', 'privateKey']]) {
      const r = await run(process.execPath, [file], { cwd: join(work, 'examples'), env: exampleEnv({ [missing]: '' }) });
      assert.notEqual(r.code, 0, `${file} without ${missing}`);
      assert.match(r.stderr, new RegExp(`INVALID_PARAM|${field}`), `${file}: ${r.stderr.slice(0, 300)}`);
      assert.match(r.stderr, new RegExp(`\\b${field}\\b`), `${file} names ${field}`);
    }
  });

  test('node-esm.mjs: the signed order, form and pay link are accepted by the gateway; the notify verifies, a forged one not', async () => {
    const r = await runExample('node-esm.mjs');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const signed = JSON.parse(labelled(r.stdout, 'signed order'));
    assert.ok(md5Signs(signed), 'signOrder signs as node:crypto does');
    assert.equal(signed.money, '0.01');
    const form = formFields(labelled(r.stdout, 'submit form'));
    assert.equal(form.action, `${sandbox.url}submit.php`);
    assert.deepEqual(form.fields, signed, 'the form posts the signed fields');
    // The sandbox checks the signature with its own code: a 302 to its cashier is an accepted order.
    const posted = await fetchAnswer(form.action, { method: 'POST', form: form.fields });
    assert.equal(posted.status, 302, posted.text);
    const order = sandboxOrder(signed.out_trade_no);
    assert.equal(posted.headers.get('location'), `${sandbox.url}pay/${order.trade_no}`);
    const link = labelled(r.stdout, 'pay link');
    assert.deepEqual(Object.fromEntries(new URL(link).searchParams), signed, 'the link carries the signed fields');
    const followed = await fetchAnswer(link);
    assert.equal(followed.status, 302, followed.text);
    assert.equal(followed.headers.get('location'), `${sandbox.url}pay/${order.trade_no}`, 'the same order');
    const notify = Object.fromEntries(new URLSearchParams(labelled(r.stdout, 'notify')));
    assert.ok(md5Signs(notify), 'the notify is signed as node:crypto signs');
    assert.deepEqual(JSON.parse(labelled(r.stdout, 'verified')), { paid: true, reason: null });
    assert.deepEqual(JSON.parse(labelled(r.stdout, 'forged')), { paid: false, reason: 'bad_sign' });
  });

  test('node-cjs.cjs: an order created through mapi.php and queried; the refused refund is a typed error, sent once', async () => {
    const refundsBefore = sandbox.state.requests['api.php?act=refund'] ?? 0;
    const r = await runExample('node-cjs.cjs');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [, outTradeNo, tradeNo, payurl] = r.stdout.match(/^created (\S+): trade_no (\S+), pay at (\S+)$/m);
    const order = sandboxOrder(outTradeNo);
    assert.deepEqual([order.trade_no, order.money, order.name, order.via, order.status], [tradeNo, '0.01', 'VIP会员', 'mapi', 0]);
    assert.equal(payurl, `${sandbox.url}pay/${tradeNo}`);
    assert.match(r.stdout, new RegExp(`^queried ${outTradeNo}: status 0, paid false, money 0.01$`, 'm'));
    assert.match(r.stdout, /^refund refused: API_ERROR -?\d+ \S+/m);
    assert.equal(sandbox.state.requests['api.php?act=refund'] - refundsBefore, 1, 'the refund was sent exactly once');
  });

  test('client.mjs: an order created, queried once paid at the gateway, listed, refunded once; a second refund and a misspelt option refused', async () => {
    const refundsBefore = sandbox.state.requests['api.php?act=refund'] ?? 0;
    const example = startExample('client.mjs');
    const [, outTradeNo, tradeNo, payurl] = await example.line(/^created (\S+): trade_no (\S+), pay at (\S+)$/, 'created');
    const order = sandboxOrder(outTradeNo);
    assert.deepEqual([order.trade_no, order.money, order.name, order.via, order.status], [tradeNo, '0.01', 'VIP会员', 'mapi', 0]);
    assert.equal(order.notify_url, `https://shop.example/epay/notify/${outTradeNo}`);
    assert.equal(payurl, `${sandbox.url}pay/${tradeNo}`);
    await sleep(700);
    assert.equal(example.count(/^queried:/), 0, 'it waits for the payment');
    const listed = sandbox.state.store.list(TEST_PID); // newest first, as act=orders
    const paidBefore = listed.filter((o) => o.status === 1).map((o) => o.trade_no);
    await pay(tradeNo);
    const { code, signal } = await example.exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, example.stderr());
    assert.equal(example.stderr(), '');
    const out = example.stdout();
    assert.match(out, /^queried: status 1, paid true, refunded false, ¥0\.01$/m);
    assert.match(out, new RegExp(`^page: ${Math.min(20, listed.length)} orders, newest ${tradeNo}$`, 'm'));
    const paidListed = [...out.matchAll(/^paid order: (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(paidListed, [tradeNo, ...paidBefore], 'orders({ status: 1 }): every paid order, newest first, across pages');
    const [, merchantOrders, fields] = out.match(/^merchant 1005: (\d+) orders; (.*)$/m);
    assert.equal(Number(merchantOrders), listed.length);
    assert.ok(!fields.split(' ').includes('key'), `the echoed key dropped: ${fields}`);
    assert.match(out, /^settlements: 0$/m);
    assert.match(out, new RegExp(`^refunded ${tradeNo}: code 0, \\S+`, 'm'));
    assert.deepEqual([order.status, order.refundmoney], [2, '0.01'], 'refunded at the gateway');
    assert.deepEqual(out.match(/^refused: .*$/gm), [`refused: API_ERROR -1 ${'该订单已全额退款！'}`, 'refused: INVALID_PARAM offest']);
    assert.equal(sandbox.state.requests['api.php?act=refund'] - refundsBefore, 2, 'each refund sent once, the misspelt query never');
  });

  for (const [file, api] of [['v1.mjs', 'v1'], ['v2.mjs', 'v2']]) {
    test(`${file}: an order created, a forged notify refused, the gateway's notify verified and answered success, then the example exits`, async () => {
      const example = startExample(file);
      const [, outTradeNo, tradeNo] = await example.line(/^created (\S+): trade_no (\S+)$/, 'created');
      const [, payAt] = await example.line(/^pay at: (\S+)/, 'pay at');
      const order = sandboxOrder(outTradeNo);
      assert.deepEqual([order.trade_no, order.api, order.money], [tradeNo, api, '0.01']);
      assert.ok(payAt.startsWith(`${sandbox.url}pay/`), payAt);
      // V1: a notify signed with the merchant's KEY but for ¥100. V2: one signed by the merchant's RSA key,
      // not the platform's. Refused, nothing fulfilled.
      const forged = { pid: String(TEST_PID), trade_no: tradeNo, out_trade_no: outTradeNo, type: 'alipay', name: 'VIP会员', trade_status: 'TRADE_SUCCESS' };
      const signed = api === 'v1'
        ? { ...forged, money: '100', sign: md5Sign({ ...forged, money: '100' }), sign_type: 'MD5' }
        : await rsaSigned({ ...forged, money: '0.01', timestamp: String(Math.floor(Date.now() / 1000)) }, TEST_KEY_FILES.merchant1005PrivateKey);
      const refused = await fetchAnswer(`${order.notify_url}?${new URLSearchParams(signed)}`);
      assert.deepEqual([refused.status, refused.text], [400, 'fail']);
      assert.equal(example.count(/^paid:/), 0);
      // onError told why: V1 the amount, V2 the signature (not the platform's).
      await waitFor(() => example.stderr(), 'the refusal logged');
      assert.deepEqual(refusedReasons(example.stderr()), [api === 'v1' ? 'money_mismatch' : 'bad_sign']);

      await pay(tradeNo);
      const { code, signal } = await example.exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, example.stderr());
      const paid = example.stdout().match(/^paid: (\S+), trade_no (\S+), ¥(\S+)(?:, signed at (\d+))?$/m);
      assert.ok(paid, example.stdout());
      assert.deepEqual(paid.slice(1, 4), [outTradeNo, tradeNo, '0.01']);
      if (api === 'v2') assert.ok(Math.abs(Number(paid[4]) - Date.now() / 1000) < 60, 'the V2 notify carries its timestamp');
      const notify = await notifyEnded(outTradeNo);
      assert.deepEqual(notify.attempts.map((a) => [a.status, a.body]), [[200, 'success']], 'one attempt, answered success');
      if (api === 'v2') assert.match(notify.url, /[?&]sign_type=RSA(&|$)/, 'an RSA-signed notify');
      assert.equal(refusedReasons(example.stderr()).length, 1, 'nothing else on stderr');
      if (api === 'v2') await v2Calls(example.stdout(), order);
    });
  }

  /** What v2.mjs did after the notify: its calls on the paid order, and an order signed for a page's form. */
  async function v2Calls(out, order) {
    assert.match(out, /^queried: status 1, paid true, refunded false$/m);
    const [, outRefundNo, refundNo] = out.match(/^refund (\S+): refund_no (\S+), ¥0\.01, status 1$/m);
    const found = sandbox.state.store.findRefund(TEST_PID, { out_refund_no: outRefundNo });
    assert.deepEqual([found?.refund.refund_no, found?.order], [refundNo, order], 'one refund of the order, under that number');
    assert.deepEqual([order.status, order.refundmoney], [2, '0.01'], 'refunded at the gateway');
    assert.match(out, /^close refused: API_ERROR -1 订单已支付，无法关闭$/m);
    const listed = sandbox.state.store.list(TEST_PID);
    assert.match(out, new RegExp(`^merchant 1005: ${listed.length} orders, balance ¥\\S+$`, 'm'));
    const refunded = listed.filter((o) => o.status === 2).map((o) => o.trade_no);
    assert.match(out, new RegExp(`^refunded page: ${Math.min(20, refunded.length)} orders, newest ${order.trade_no}$`, 'm'));
    assert.deepEqual([...out.matchAll(/^refunded order: (\S+)$/gm)].map((m) => m[1]), refunded, 'orders({ status: 2 }): every refunded order');

    // The form for a page: signed with the merchant's RSA key (node:crypto checks it) and accepted by the gateway.
    const form = formFields(labelled(out, 'submit form'));
    assert.equal(form.action, `${sandbox.url}api/pay/submit`);
    assert.deepEqual([form.fields.pid, form.fields.money, form.fields.sign_type], [String(TEST_PID), '0.01', 'RSA']);
    assert.ok(Math.abs(Number(form.fields.timestamp) - Date.now() / 1000) < 60, 'stamped now');
    assert.ok(rsaVerifies(form.fields, await readFile(TEST_KEY_FILES.merchant1005PublicKey, 'utf8')), 'signed with the merchant key');
    const posted = await fetchAnswer(form.action, { method: 'POST', form: form.fields });
    assert.equal(posted.status, 302, posted.text);
    const created = sandboxOrder(form.fields.out_trade_no);
    assert.equal(posted.headers.get('location'), `${sandbox.url}pay/submit/${created.trade_no}/`);
    assert.equal(created.api, 'v2');
  }

  test('sandbox.mjs: its own sandbox in the process; both notifies signed as a gateway signs, the faulted refund rejected and not retried, then sent again', async () => {
    const r = await runExample('sandbox.mjs');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const notifies = [...r.stdout.matchAll(/^notify: (\S+)$/gm)].map((m) => Object.fromEntries(new URLSearchParams(m[1])));
    assert.equal(notifies.length, 2, r.stdout);
    const [v1, v2] = notifies;
    for (const n of notifies) assert.deepEqual([n.pid, n.money, n.name, n.trade_status], [String(TEST_PID), '0.01', 'VIP会员', 'TRADE_SUCCESS']);
    assert.ok(md5Signs(v1), 'the V1 notify signed with the KEY (node:crypto checks it)');
    assert.equal(v2.sign_type, 'RSA');
    assert.ok(rsaVerifies(v2, await readFile(TEST_KEY_FILES.platformPublicKey, 'utf8')), 'the V2 notify signed with the platform key');
    assert.ok(Math.abs(Number(v2.timestamp) - Date.now() / 1000) < 60);
    // The fault: the first refund an HTTP 500, not retried; the second done.
    const lines = r.stdout.split('\n');
    const faulted = lines.indexOf('refund: HTTP_ERROR 500');
    assert.ok(faulted >= 0 && faulted < lines.indexOf(`refunded ${v1.trade_no}: code 0`), r.stdout);
    assert.ok(lines.includes(`v2 ${v2.trade_no}: paid true`), r.stdout);
    assert.ok(lines.includes(`held ${v1.trade_no}: status 2, refundmoney 0.01, refund requests 2`), r.stdout);
    assert.equal(sandboxOrder(v1.out_trade_no), undefined, 'nothing sent to the shared sandbox');
  });
});

describe('framework examples: a real notify through the handler', () => {
  for (const file of ['express.mjs', 'fastify.mjs', 'hono.mjs']) {
    test(`${file}: checkout, a wrong amount refused, paid and fulfilled once through the gateway's notify, its GET and POSTed replays`, async () => {
      const example = startExample(file);
      try {
        const [, url] = await example.line(/^listening on (http:\S+\/)$/, 'listening');
        const checkout = await fetchAnswer(`${url}checkout`, { method: 'POST' });
        assert.equal(checkout.status, 200, checkout.text);
        const { out_trade_no: outTradeNo, payurl } = checkout.body;
        const order = sandboxOrder(outTradeNo);
        assert.equal(order.notify_url, `${url}epay/notify`);
        assert.equal(payurl, `${sandbox.url}pay/${order.trade_no}`);

        // Signed with the merchant's KEY (node:crypto) but for another amount: refused, GET and POST.
        const wrong = { pid: String(TEST_PID), trade_no: order.trade_no, out_trade_no: outTradeNo, type: 'alipay', name: 'VIP会员', money: '0.02', trade_status: 'TRADE_SUCCESS' };
        const wrongSigned = { ...wrong, sign: md5Sign(wrong), sign_type: 'MD5' };
        for (const answer of [
          await fetchAnswer(`${order.notify_url}?${new URLSearchParams(wrongSigned)}`),
          await fetchAnswer(order.notify_url, { method: 'POST', form: wrongSigned }),
        ]) assert.deepEqual([answer.status, answer.text], [400, 'fail']);

        await pay(order.trade_no);
        await example.line(new RegExp(`^fulfilled ${outTradeNo}: trade_no ${order.trade_no}, ¥0\\.01$`), 'fulfilled');
        const notify = await notifyEnded(outTradeNo);
        assert.deepEqual(notify.attempts.map((a) => [a.status, a.body]), [[200, 'success']]);

        // The gateway's own notify again (GET), and as a POSTed form: acknowledged, fulfilled once.
        const delivered = Object.fromEntries(new URL(notify.url).searchParams);
        assert.ok(md5Signs(delivered));
        for (const answer of [
          await fetchAnswer(notify.url),
          await fetchAnswer(order.notify_url, { method: 'POST', form: delivered }),
        ]) assert.deepEqual([answer.status, answer.text], [200, 'success']);
        const resent = await fetchAnswer(`${sandbox.url}_sandbox/orders/${order.trade_no}/notify`, { method: 'POST', json: {} });
        assert.equal(resent.status, 200, resent.text);
        await waitFor(() => order.notify.round === 2 && order.notify.status === 'success', 'the resent notify acknowledged');
        assert.equal(example.count(/^fulfilled /), 1, 'fulfilled exactly once');
        assert.deepEqual(refusedReasons(example.stderr()), ['money_mismatch', 'money_mismatch'], 'the refusals logged, nothing else');
      } finally {
        await example.stop();
      }
    });
  }
});

describe('database.mjs: exactly once in SQL, reconciliation, several instances', () => {
  /** Checks out an order on the example at `url`; returns the sandbox's order. */
  async function checkout(url) {
    const r = await fetchAnswer(`${url}checkout`, { method: 'POST' });
    assert.equal(r.status, 200, r.text);
    const order = sandboxOrder(r.body.out_trade_no);
    assert.equal(order.notify_url, `${url}epay/notify`);
    return order;
  }
  const fulfilled = (order, how = '') => new RegExp(`^fulfilled ${order.out_trade_no}: trade_no ${order.trade_no}, ¥0\\.01, ${how}`);

  test('PGlite, listening on HOST: a wrong amount refused; paid by the notify, fulfilled once through its replays', async () => {
    const example = startExample('database.mjs', { RECONCILE_EVERY_SEC: '3600', HOST: '127.0.0.2' }); // Linux: all of 127/8 is loopback
    try {
      const [, url] = await example.line(/^listening on (http:\S+\/)$/, 'listening');
      assert.match(url, /^http:\/\/127\.0\.0\.2:\d+\/$/);
      const order = await checkout(url);
      const wrong = { pid: String(TEST_PID), trade_no: order.trade_no, out_trade_no: order.out_trade_no, type: 'alipay', name: 'VIP会员', money: '1', trade_status: 'TRADE_SUCCESS' };
      const refused = await fetchAnswer(`${order.notify_url}?${new URLSearchParams({ ...wrong, sign: md5Sign(wrong), sign_type: 'MD5' })}`);
      assert.deepEqual([refused.status, refused.text], [400, 'fail']);
      await pay(order.trade_no);
      await example.line(fulfilled(order, 'by notify$'), 'fulfilled by notify');
      const notify = await notifyEnded(order.out_trade_no);
      assert.deepEqual(notify.attempts.map((a) => [a.status, a.body]), [[200, 'success']]);
      const replays = await Promise.all([...Array(8)].map((_, i) => (i % 2
        ? fetchAnswer(order.notify_url, { method: 'POST', form: Object.fromEntries(new URL(notify.url).searchParams) })
        : fetchAnswer(notify.url))));
      assert.deepEqual(replays.map((a) => [a.status, a.text]), Array(8).fill([200, 'success']));
      assert.equal(example.count(/^fulfilled /), 1);
      assert.deepEqual(refusedReasons(example.stderr()), ['money_mismatch'], 'the refusal logged, nothing else');
    } finally {
      await example.stop();
    }
  });

  test('PGlite: every notify lost on the way; the reconciliation finds the paid order and fulfils it, the unpaid one stays', async () => {
    const example = startExample('database.mjs', { RECONCILE_EVERY_SEC: '0.2', RECONCILE_AFTER_SEC: '1' });
    const faults = `${sandbox.url}_sandbox/faults`;
    try {
      const [, url] = await example.line(/^listening on (http:\S+\/)$/, 'listening');
      assert.equal((await fetchAnswer(faults, { method: 'POST', json: { target: 'notify', kind: 'notify_fail', times: 0 } })).status, 200);
      const [paid, unpaid] = [await checkout(url), await checkout(url)];
      await pay(paid.trade_no);
      await example.line(fulfilled(paid, 'by reconciliation$'), 'fulfilled by reconciliation');
      assert.ok(paid.notify.attempts.every((a) => a.status === null), 'no notify reached the shop');
      const queries = sandbox.state.requests['api.php?act=order'];
      await waitFor(() => sandbox.state.requests['api.php?act=order'] >= queries + 2, 'two more reconciliations');
      assert.equal(example.count(/^fulfilled /), 1, `only the paid order:\n${example.stdout()}`);
      assert.equal(sandboxOrder(unpaid.out_trade_no).status, 0);
      assert.equal(example.stderr(), '');
    } finally {
      await fetchAnswer(faults, { method: 'DELETE' });
      await example.stop();
    }
  });

  test('PGlite: the reconciliation leaves alone an order the gateway reports paid and then refunded', async () => {
    const example = startExample('database.mjs', { RECONCILE_EVERY_SEC: '0.2', RECONCILE_AFTER_SEC: '0' });
    const faults = `${sandbox.url}_sandbox/faults`;
    const fault = async (spec) => assert.equal((await fetchAnswer(faults, { method: 'POST', json: spec })).status, 200);
    try {
      const [, url] = await example.line(/^listening on (http:\S+\/)$/, 'listening');
      // Notifies dropped, and the gateway's queries failing until both orders are where they should be.
      await fault({ target: 'notify', kind: 'notify_fail', times: 0 });
      await fault({ target: 'api.php?act=order', kind: 'http500', times: 0 });
      const [refunded, paid] = [await checkout(url), await checkout(url)];
      await pay(refunded.trade_no);
      const refund = await fetchAnswer(`${sandbox.url}api.php?act=refund`, {
        method: 'POST', form: { pid: String(TEST_PID), key: TEST_KEY, trade_no: refunded.trade_no, money: '0.01' },
      });
      assert.equal(refund.body?.code, 0, refund.text);
      await pay(paid.trade_no);
      await Promise.all([notifyEnded(refunded.out_trade_no), notifyEnded(paid.out_trade_no)]); // every notify dropped, none pending
      assert.equal(sandboxOrder(refunded.out_trade_no).status, 2, 'refunded at the gateway');
      await fetchAnswer(faults, { method: 'DELETE' });

      await example.line(fulfilled(paid, 'by reconciliation$'), 'the paid order fulfilled by reconciliation');
      const queries = sandbox.state.requests['api.php?act=order'];
      await waitFor(() => sandbox.state.requests['api.php?act=order'] >= queries + 2, 'two more reconciliations');
      assert.equal(example.count(/^fulfilled /), 1, `only the paid order:\n${example.stdout()}`);
    } finally {
      await fetchAnswer(faults, { method: 'DELETE' });
      await example.stop();
    }
  });

  test('PGlite: the reconciliation does not fulfil an order on a paid answer about another out_trade_no', async () => {
    const gateway = await misanswering();
    const example = startExample('database.mjs', { EPAY_GATEWAY: gateway.url, RECONCILE_EVERY_SEC: '0.2', RECONCILE_AFTER_SEC: '0' });
    const faults = `${sandbox.url}_sandbox/faults`;
    try {
      const [, url] = await example.line(/^listening on (http:\S+\/)$/, 'listening');
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'HOST defaults to 127.0.0.1');
      assert.equal((await fetchAnswer(faults, { method: 'POST', json: { target: 'notify', kind: 'notify_fail', times: 0 } })).status, 200);
      const order = await checkout(url);
      await pay(order.trade_no);
      await waitFor(() => example.stderr().includes(`reconcile ${order.out_trade_no}: the gateway answered about SOMEONE-ELSE`),
        `the answer refused:\n${example.stderr()}`, STEP_TIMEOUT);
      const queries = sandbox.state.requests['api.php?act=order'];
      await waitFor(() => sandbox.state.requests['api.php?act=order'] >= queries + 2, 'two more reconciliations');
      assert.equal(example.count(/^fulfilled /), 0, `nothing fulfilled:\n${example.stdout()}`);
      assert.equal(sandboxOrder(order.out_trade_no).status, 1, 'paid at the gateway all along');
    } finally {
      await fetchAnswer(faults, { method: 'DELETE' });
      await example.stop();
      await gateway.close();
    }
  });

  test('PGlite in DATA_DIR: an order checked out before a restart is fulfilled after it', async () => {
    const env = { DATA_DIR: join(tmp, 'pglite'), RECONCILE_EVERY_SEC: '3600' };
    const before = startExample('database.mjs', env);
    const [, url] = await before.line(/^listening on (http:\S+\/)$/, 'listening');
    const order = await checkout(url);
    await before.stop();
    await pay(order.trade_no); // its notifies fail: nobody listens at that port any more
    const after = startExample('database.mjs', env);
    try {
      const [, urlAfter] = await after.line(/^listening on (http:\S+\/)$/, 'listening again');
      const answer = await fetchAnswer(`${urlAfter}epay/notify${new URL(order.notify.url).search}`);
      assert.deepEqual([answer.status, answer.text], [200, 'success']);
      await after.line(fulfilled(order, 'by notify$'), 'fulfilled after the restart');
      assert.equal(after.stderr(), '');
    } finally {
      await after.stop();
    }
  });

  test('PostgreSQL: two instances on one database, each notify sent to both at once, 8 times each: every order fulfilled once', async (t) => {
    const pg = await startPostgres();
    const env = { DATABASE_URL: pg.url, RECONCILE_EVERY_SEC: '3600' };
    const a = startExample('database.mjs', env);
    const [, urlA] = await a.line(/^listening on (http:\S+\/)$/, 'A listening');
    const b = startExample('database.mjs', env); // after A: A created the table
    const faults = `${sandbox.url}_sandbox/faults`;
    try {
      const [, urlB] = await b.line(/^listening on (http:\S+\/)$/, 'B listening');
      // The gateway's own notifies held back: the test delivers them, as a load balancer spreads retries.
      assert.equal((await fetchAnswer(faults, { method: 'POST', json: { target: 'notify', kind: 'notify_fail', times: 0 } })).status, 200);
      const orders = [];
      for (let i = 0; i < 10; i += 1) orders.push(await checkout(i % 2 ? urlA : urlB));
      for (const order of orders) await pay(order.trade_no);
      const answers = await Promise.all(orders.flatMap((order) => {
        const query = new URL(order.notify.url).search;
        return [...Array(8)].flatMap(() => [fetchAnswer(`${urlA}epay/notify${query}`), fetchAnswer(`${urlB}epay/notify${query}`)]);
      }));
      assert.deepEqual(answers.filter((r) => r.status !== 200 || r.text !== 'success'), [], 'every notify answered success');
      for (const order of orders) {
        assert.equal(a.count(fulfilled(order)) + b.count(fulfilled(order)), 1, `${order.out_trade_no} fulfilled once`);
      }
      // And in the database: one fulfilment row per order (the table has no unique constraint to hide a second one).
      const { default: { Client } } = await import('pg');
      const sql = new Client({ connectionString: pg.url });
      await sql.connect();
      const { rows } = await sql.query('SELECT out_trade_no, count(*)::integer AS n FROM fulfilments GROUP BY out_trade_no ORDER BY out_trade_no');
      await sql.end();
      assert.deepEqual(rows, orders.map((o) => ({ out_trade_no: o.out_trade_no, n: 1 })).sort((x, y) => (x.out_trade_no < y.out_trade_no ? -1 : 1)));
      t.diagnostic(`fulfilled by A: ${a.count(/^fulfilled /)}, by B: ${b.count(/^fulfilled /)}, of ${orders.length}`);
      assert.deepEqual([a.stderr(), b.stderr()], ['', '']);
    } finally {
      await fetchAnswer(faults, { method: 'DELETE' });
      await Promise.all([a.stop(), b.stop()]);
      await pg.stop();
    }
  });
});

describe('Vite browser app', () => {
  let server;
  let browser;
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  /** A new page; its errors, warnings and failed loads (but the favicon) are collected in `problems`. */
  async function openPage(problems) {
    browser ??= await (await import('playwright-core')).chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_TIMEOUT });
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('console', (m) => ['error', 'warning'].includes(m.type()) && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${r.url()}`));
    return page;
  }

  test('vite/: built by Vite, loaded in Chromium: init(), the form of a signed order (fields escaped) posts to the gateway, the QR code of the pay link', async (t) => {
    const { build } = await import('vite');
    const outDir = join(tmp, 'vite-dist');
    process.env.VITE_EPAY_GATEWAY = sandbox.url; // what a .env file would say
    try {
      await build({ root: join(work, 'examples', 'vite'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    } finally {
      delete process.env.VITE_EPAY_GATEWAY;
    }
    const built = await listFiles(outDir);
    t.diagnostic(`built: ${built.join(' ')}`);
    assert.ok(built.some((f) => /^assets\/.*\.wasm$/.test(f)), 'Vite emitted the .wasm');

    // The merchant server's half, here: POST /api/order answers an order signed with node:crypto,
    // its name full of HTML; the rest is the built app.
    const order = {
      pid: String(TEST_PID), type: 'alipay', out_trade_no: `VITE${Date.now()}`, money: '0.01',
      notify_url: 'http://127.0.0.1:9/epay/notify', return_url: 'http://127.0.0.1:9/epay/return',
      name: `Tea & "cakes" <img src=x onerror="window.__xss=1"> 'x'`,
    };
    const signed = { ...order, sign: md5Sign(order), sign_type: 'MD5' };
    server = await serveApp(outDir, signed);

    const problems = [];
    const page = await openPage(problems);
    try {
      await page.goto(server.url);
      await page.waitForSelector('#qr svg');
      const seen = await page.evaluate(() => ({
        status: document.querySelector('#status').textContent,
        action: document.querySelector('#checkout form').action,
        method: document.querySelector('#checkout form').method,
        fields: Object.fromEntries([...document.querySelectorAll('#checkout form input')].map((i) => [i.name, i.value])),
        injected: document.querySelectorAll('#checkout img, #checkout [onerror]').length,
        link: document.querySelector('#link').getAttribute('href'),
        qr: ['viewBox', 'width', 'height'].map((a) => document.querySelector('#qr svg').getAttribute(a))
          .concat(document.querySelector('#qr svg path').getAttribute('d')),
        qrBox: (({ width, height }) => ({ width, height }))(document.querySelector('#qr svg').getBoundingClientRect()),
        xss: window.__xss ?? null,
      }));
      assert.equal(seen.status, `${order.name}: ¥0.01`);
      assert.equal(seen.action, `${sandbox.url}submit.php`);
      assert.equal(seen.method, 'post');
      assert.deepEqual(seen.fields, signed, 'the form carries exactly the signed fields: HTML in the name escaped');
      assert.deepEqual([seen.injected, seen.xss], [0, null], 'no element or script from the name');
      assert.deepEqual(Object.fromEntries(new URL(seen.link).searchParams), signed, 'the pay link carries the signed fields');
      assert.deepEqual(seen.qrBox, { width: 200, height: 200 }, 'the QR code is rendered at 200 px');
      // The link and its QR code are the ones the package makes in Node (tests/qr.rs decodes its QR codes with rqrr).
      const { buildPayUrl, toQrSvg } = await import(join(work, 'node_modules', 'epay-wasm', 'index.mjs'));
      assert.equal(seen.link, buildPayUrl(signed, { gateway: sandbox.url }));
      const svg = toQrSvg(seen.link, { size: 200 });
      assert.deepEqual(seen.qr, [/viewBox="([^"]+)"/, /width="(\d+)"/, /height="(\d+)"/, / d="([^"]+)"/].map((re) => svg.match(re)[1]));

      // Pay: the form posts to the sandbox, which checks the signature with its own code.
      await Promise.all([page.waitForURL(/\/pay\/\w+$/), page.click('#pay')]);
      const paid = sandboxOrder(order.out_trade_no);
      assert.ok(paid, 'the sandbox accepted the order');
      assert.equal(page.url(), `${sandbox.url}pay/${paid.trade_no}`);
      assert.equal(paid.name, order.name);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test('vite/ on the Vite dev server with express.mjs behind /api: the order signed by the shop, paid at the cashier, fulfilled once', async () => {
    const shop = startExample('express.mjs');
    let dev;
    try {
      const [, shopUrl] = await shop.line(/^listening on (http:\S+\/)$/, 'listening');
      const { createServer: createViteServer } = await import('vite');
      Object.assign(process.env, { VITE_EPAY_GATEWAY: sandbox.url, SHOP_URL: shopUrl }); // read by Vite and vite.config.js
      try {
        dev = await createViteServer({ root: join(work, 'examples', 'vite'), logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
        await dev.listen();
      } finally {
        delete process.env.VITE_EPAY_GATEWAY;
        delete process.env.SHOP_URL;
      }
      const problems = [];
      const page = await openPage(problems);
      try {
        await page.goto(dev.resolvedUrls.local[0]);
        await page.waitForSelector('#qr svg');
        const fields = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#checkout form input')].map((i) => [i.name, i.value])));
        assert.ok(md5Signs(fields), 'the shop signed the order as node:crypto signs');
        assert.equal(fields.notify_url, `${shopUrl}epay/notify`, 'the proxy kept the shop as the host of notify_url');
        await Promise.all([page.waitForURL(/\/pay\/\w+$/), page.click('#pay')]);
        const order = sandboxOrder(fields.out_trade_no);
        assert.equal(page.url(), `${sandbox.url}pay/${order.trade_no}`);
        await Promise.all([page.waitForURL((u) => u.href.startsWith(shopUrl)), page.click('#pay')]); // the cashier's Pay
        await shop.line(new RegExp(`^fulfilled ${fields.out_trade_no}: trade_no ${order.trade_no}, ¥0\\.01$`), 'fulfilled');
        assert.deepEqual((await notifyEnded(fields.out_trade_no)).attempts.map((a) => [a.status, a.body]), [[200, 'success']]);
        assert.equal(shop.count(/^fulfilled /), 1);
        assert.deepEqual(problems.filter((p) => !p.startsWith(`404 ${shopUrl}`)), [], 'no error but the shop having no return page');
      } finally {
        await page.close();
      }
    } finally {
      await dev?.close();
      await shop.stop();
    }
  });
});

/**
 * A gateway in front of the sandbox that passes every request through but
 * answers each act=order about another out_trade_no, `SOMEONE-ELSE` (as a
 * gateway that mixes up orders would); resolves { url, close }.
 */
async function misanswering() {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const answer = await fetch(new URL(req.url.slice(1), sandbox.url), {
      method: req.method, redirect: 'manual',
      ...(req.method === 'GET' ? {} : { body: Buffer.concat(chunks), headers: { 'content-type': req.headers['content-type'] } }),
    });
    let body = await answer.text();
    if (new URL(req.url, 'http://x').searchParams.get('act') === 'order') body = JSON.stringify({ ...JSON.parse(body), out_trade_no: 'SOMEONE-ELSE' });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/** Serves the built app from `dir` and answers POST /api/order with `signed` (JSON); resolves { url, close }. */
async function serveApp(dir, signed) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/api/order' && req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(signed));
      return;
    }
    const file = normalize(join(dir, path === '/' ? 'index.html' : decodeURIComponent(path)));
    if (!file.startsWith(dir + sep)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

test('no example printed the KEY or a private key', async () => {
  const privateKey = (await readFile(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8')).split('\n')[1];
  assert.ok(printed.length >= 10, `${printed.length} runs seen`);
  const leaks = printed.filter(({ text }) => text.includes(TEST_KEY) || text.includes('PRIVATE KEY') || text.includes(privateKey));
  assert.deepEqual(leaks.map((l) => l.file), []);
});
