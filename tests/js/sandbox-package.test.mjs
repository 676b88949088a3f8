// The packed epay-sandbox, as a user gets it: `npm pack` packages/sandbox,
// `npm install` the tarball into an empty folder, then `npx epay-sandbox`,
// `import { startSandbox } from 'epay-sandbox'` and its types there. Offline
// is fine: the package has no dependencies. Does not need pkg/.
//
//   node --test tests/js/sandbox-package.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { md5Sign, TEST_KEY as KEY, TEST_PID as PID, waitFor } from './support.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = join(ROOT, 'packages', 'sandbox');
const TSC = join(ROOT, 'node_modules', '.bin', 'tsc');
const STEP_MS = 60_000;

/** The environment without the npm_* variables of an enclosing `npm test` (prefix, workspace...). */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const run = (cmd, args, cwd) => promisify(execFile)(cmd, args, { cwd, env: ENV, timeout: STEP_MS });

let tmp; // everything this file creates
let folder; // the empty folder the tarball is installed into
let packed; // npm pack --json output

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'epay-sandbox-package-'));
  [packed] = JSON.parse((await run('npm', ['pack', SOURCE, '--pack-destination', tmp, '--json'], tmp)).stdout);
  folder = join(tmp, 'empty');
  await mkdir(folder);
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(tmp, packed.filename)], folder);
});

after(() => tmp && rm(tmp, { recursive: true, force: true }));

test('tarball: the package files only, with README, LICENSE and types; no dependencies', async () => {
  const lib = (await readdir(join(SOURCE, 'lib'))).map((f) => `lib/${f}`);
  const keys = (await readdir(join(SOURCE, 'keys'))).map((f) => `keys/${f}`); // the published TEST keys
  const expected = ['LICENSE', 'README.md', 'bin/epay-sandbox.mjs', 'index.d.ts', ...lib, ...keys, 'package.json'].sort();
  assert.deepEqual(packed.files.map((f) => f.path).sort(), expected);
  assert.equal(packed.name, 'epay-sandbox');
  const installed = join(folder, 'node_modules', 'epay-sandbox');
  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  assert.deepEqual([manifest.dependencies, manifest.peerDependencies], [undefined, undefined]);
  assert.deepEqual(manifest.exports['.'], { types: './index.d.ts', default: './lib/index.mjs' });
  assert.equal(manifest.types, './index.d.ts');
  assert.ok(existsSync(join(installed, 'index.d.ts')), 'index.d.ts installed');
});

test('its code imports only Node built-ins and its own files, never epay-wasm', async () => {
  const files = [...(await readdir(join(SOURCE, 'lib'))).map((f) => join(SOURCE, 'lib', f)), join(SOURCE, 'bin', 'epay-sandbox.mjs')];
  let seen = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const imports = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    seen += imports.length;
    for (const spec of imports) assert.match(spec, /^(node:|\.\.?\/)/, `${file} imports ${spec}`);
    assert.ok(!/\brequire\s*\(|createRequire/.test(text), `${file} uses require`);
  }
  assert.ok(seen >= files.length, `only ${seen} imports found in ${files.length} files: the pattern misses them`);
});

test('npx epay-sandbox in the folder: starts, answers a signed order, stops', async () => {
  // Its own process group, so that stopping npx stops the node process it started too.
  const child = spawn('npx', ['--offline', 'epay-sandbox', '--port', '0', '--quiet'], { cwd: folder, env: ENV, detached: true });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let base;
  try {
    base = await waitFor(() => /^epay-sandbox: gateway at (http:\S+\/)/m.exec(out)?.[1], `the gateway line (output: ${out})`, STEP_MS);
    const fields = {
      pid: String(PID), type: 'alipay', out_trade_no: `PKG${Date.now()}`, notify_url: 'http://127.0.0.1:9/n',
      return_url: 'http://127.0.0.1:9/r', name: '测试', money: '1.00', clientip: '127.0.0.1', device: 'jump',
    };
    const res = await fetch(`${base}mapi.php`, { method: 'POST', body: new URLSearchParams({ ...fields, sign: md5Sign(fields), sign_type: 'MD5' }) });
    const body = JSON.parse(await res.text());
    assert.equal(body.code, 1, JSON.stringify(body));
    assert.equal(body.payurl, `${base}pay/${body.trade_no}`);
  } finally {
    process.kill(-child.pid, 'SIGTERM');
  }
  await exited;
  await assert.rejects(fetch(`${base}mapi.php`), 'the gateway is gone');
  assert.ok(!out.includes(KEY), 'the KEY is not printed');
});

test('import { startSandbox } from "epay-sandbox" in the folder, and its types', async () => {
  await writeFile(join(folder, 'consumer.mjs'), `
import { startSandbox, DEFAULT_MERCHANTS } from 'epay-sandbox';
const sandbox = await startSandbox({ port: 0, merchants: [{ pid: 7, key: 'k7', dayCounters: 'seed' }] });
const res = await fetch(sandbox.url + 'api.php?act=query&pid=7&key=k7');
const answer = await res.json();
await sandbox.close();
console.log(JSON.stringify({ answer, type: res.headers.get('content-type'), defaultPid: DEFAULT_MERCHANTS[0].pid }));
`);
  const { stdout } = await run(process.execPath, ['consumer.mjs'], folder);
  const { answer, type, defaultPid } = JSON.parse(stdout);
  assert.deepEqual([answer.code, answer.pid, answer.order_today, type, defaultPid], [1, 7, 0, 'application/json; charset=UTF-8', 1005]);

  await writeFile(join(folder, 'usage.mts'), `
import { startSandbox, type Sandbox, type SandboxMerchant } from 'epay-sandbox';
const merchant: SandboxMerchant = { pid: 7, key: 'k7', dayCounters: 'seed' };
const sandbox: Sandbox = await startSandbox({ port: 0, merchants: [merchant] });
const url: string = sandbox.url;
const count: number | undefined = sandbox.state.requests['mapi.php'];
await sandbox.close();
// @ts-expect-error dayCounters is "v3096" or "seed"
const bad: SandboxMerchant = { pid: 7, key: 'k7', dayCounters: 'orders' };
export { url, count, bad };
`);
  const tsc = await run(TSC, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'usage.mts'], folder).catch((e) => e);
  assert.equal(tsc.code ?? 0, 0, `${tsc.stdout}${tsc.stderr}`);
});
