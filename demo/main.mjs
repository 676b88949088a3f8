#!/usr/bin/env node
// The demo: the local sandbox gateway plus the demo merchant server, then
// the URL to open. `node demo/main.mjs --help`.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MERCHANTS, TEST_KEY_FILES, startSandbox } from 'epay-sandbox';
import { startMerchant } from './merchant.mjs';

const HELP = `\
epay-wasm demo — a shop that takes payments through an EPay (易支付) gateway

Usage: node demo/main.mjs [--port N] [--host H] [--public-url URL] [--data DIR | --memory]
                          [--reconcile-every SEC] [--reconcile-after SEC] [--quiet]

  --port N          merchant server port (default $PORT or 3000; 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --public-url URL  base URL the gateway reaches this server at, for notify_url and
                    return_url (default http://HOST:PORT/); a real gateway needs one
  --data DIR        where the embedded database (PGlite) and the sandbox keep their
                    orders across restarts (default .demo-data/ in the repository)
  --memory          keep everything in memory instead: gone when the demo stops
  --reconcile-every SEC  seconds between reconciliation passes (default
                    $RECONCILE_EVERY_SEC or 60; 0 = none, the Orders page's button still works)
  --reconcile-after SEC  a pass asks the gateway about orders unpaid for at least
                    this long (default $RECONCILE_AFTER_SEC or 300)
  --quiet           no log lines
  -h, --help        this help

Orders are kept in SQL: an embedded PGlite database (PostgreSQL compiled to
wasm, nothing to install) unless DATABASE_URL names a PostgreSQL server:
  DATABASE_URL=postgres://user:password@host:5432/shop node demo/main.mjs
Any number of demo servers may share that database (e.g. behind a load
balancer, with one --public-url, and one gateway: a real one or a standalone
epay-sandbox, not each its own embedded one): an order is fulfilled once.

By default it starts the embedded sandbox gateway (offline, no real money),
whose merchant 1005 speaks both APIs: the page has a V1/V2 switch.
  EPAY_API=v1|v2   the API the page starts with (default v1)

With EPAY_GATEWAY and EPAY_PID set it uses that gateway instead, with the
API of EPAY_API and its keys (both APIs when both are given):
  V1 (MD5):  EPAY_KEY                   the merchant KEY
  V2 (RSA):  EPAY_PRIVATE_KEY           the merchant's RSA private key
             EPAY_PLATFORM_PUBLIC_KEY   the platform's RSA public key
An RSA key is PEM text (-----BEGIN ...), the bare base64 the merchant panel
shows, or the path of a file holding either. For example:
  EPAY_GATEWAY=https://papi.payqqpay.cn/ EPAY_PID=1005 EPAY_KEY=... node demo/main.mjs
  EPAY_API=v2 EPAY_GATEWAY=https://pay.example.com/ EPAY_PID=1005 \\
    EPAY_PRIVATE_KEY=merchant.pem EPAY_PLATFORM_PUBLIC_KEY=MIIBIjANBg... node demo/main.mjs
The keys stay in this process: they are never sent to the browser or logged.
`;

/** A database URL without its password, to print. */
function redacted(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'DATABASE_URL';
  }
}

function fail(message) {
  console.error(`demo: ${message}\nRun node demo/main.mjs --help for usage.`);
  process.exit(2);
}

const CREDENTIALS = { v1: ['EPAY_KEY'], v2: ['EPAY_PRIVATE_KEY', 'EPAY_PLATFORM_PUBLIC_KEY'] };
/** The variable behind each option of a real gateway's account, to name it in an error (`EpayError.field`). */
const ENV_NAMES = {
  gateway: 'EPAY_GATEWAY', pid: 'EPAY_PID', key: 'EPAY_KEY', privateKey: 'EPAY_PRIVATE_KEY', platformPublicKey: 'EPAY_PLATFORM_PUBLIC_KEY',
};

/**
 * An RSA key from the environment: PEM text or bare base64 as it is, else
 * the contents of the file it names. The value is never shown: it may be a
 * key with a typo.
 */
function rsaKey(env, name) {
  const value = env[name];
  if (!value) return undefined;
  if (value.includes('-----BEGIN') || /^[A-Za-z0-9+/=\s]{64,}$/.test(value)) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch {
    return fail(`${name} is neither a key (PEM or base64) nor a file that can be read`);
  }
}

/**
 * The gateway account from EPAY_* (null when neither EPAY_GATEWAY nor
 * EPAY_PID is set: the sandbox): EPAY_API's keys are required, the other
 * API's are used when given.
 */
function realAccount(env, api) {
  if (!env.EPAY_GATEWAY && !env.EPAY_PID) {
    const stray = Object.values(CREDENTIALS).flat().filter((name) => env[name]);
    if (stray.length) fail(`${stray.join(', ')} set without EPAY_GATEWAY and EPAY_PID (set none of them for the sandbox)`);
    return null;
  }
  const missing = ['EPAY_GATEWAY', 'EPAY_PID', ...CREDENTIALS[api]].filter((name) => !env[name]);
  if (missing.length) fail(`EPAY_API=${api} with a real gateway needs ${missing.join(', ')}`);
  return {
    gateway: env.EPAY_GATEWAY, pid: env.EPAY_PID, key: env.EPAY_KEY || undefined,
    privateKey: rsaKey(env, 'EPAY_PRIVATE_KEY'), platformPublicKey: rsaKey(env, 'EPAY_PLATFORM_PUBLIC_KEY'),
  };
}

/** The sandbox's merchant 1005: its KEY (V1) and TEST RSA pair (V2), and the sandbox's platform key. */
const sandboxAccount = (sandbox) => ({
  gateway: sandbox.url, pid: DEFAULT_MERCHANTS[0].pid, key: DEFAULT_MERCHANTS[0].key,
  privateKey: readFileSync(TEST_KEY_FILES.merchant1005PrivateKey, 'utf8'), platformPublicKey: sandbox.platformPublicKey,
});

/** A whole number of seconds from a flag, or a failure naming the flag. */
function seconds(flag, value) {
  if (!/^\d+$/.test(value)) fail(`--${flag} must be a whole number of seconds`);
  return Number(value);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' }, host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      data: { type: 'string', default: fileURLToPath(new URL('../.demo-data/', import.meta.url)) }, memory: { type: 'boolean' },
      'reconcile-every': { type: 'string', default: process.env.RECONCILE_EVERY_SEC || '60' },
      'reconcile-after': { type: 'string', default: process.env.RECONCILE_AFTER_SEC || '300' },
    },
  }));
} catch (e) {
  fail(e.message);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) fail('--port must be 0 to 65535');
const reconcileEverySec = seconds('reconcile-every', values['reconcile-every']);
const reconcileAfterSec = seconds('reconcile-after', values['reconcile-after']);
const databaseUrl = process.env.DATABASE_URL || undefined;
if (databaseUrl && values.memory) fail('--memory and DATABASE_URL: choose one');
/** The folder kept across restarts (PGlite's database, the sandbox's orders), or null with --memory. */
const dataDir = values.memory ? null : values.data;
if (dataDir) mkdirSync(dataDir, { recursive: true });

const api = process.env.EPAY_API || 'v1';
if (!Object.hasOwn(CREDENTIALS, api)) fail('EPAY_API must be v1 or v2');

const log = (prefix) => (values.quiet ? undefined : (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${prefix} ${line}`));
const real = realAccount(process.env, api);
const sandbox = real ? null : await startSandbox({
  host: values.host, log: log('[gateway] '), persist: dataDir ? join(dataDir, 'sandbox.json') : undefined,
});
const account = real ?? sandboxAccount(sandbox);

let merchant;
try {
  merchant = await startMerchant({
    ...account, api, port: Number(values.port), host: values.host, publicUrl: values['public-url'],
    database: databaseUrl ? { url: databaseUrl } : { dir: dataDir ? join(dataDir, 'pglite') : undefined },
    reconcileEverySec, reconcileAfterSec, sandbox: !real, log: log('[merchant]'),
  });
} catch (e) {
  await sandbox?.close();
  const variable = real && ENV_NAMES[e.field];
  fail(e.code === 'EADDRINUSE' ? `port ${values.port} is in use: try --port 0` : variable ? `${variable}: ${e.message}` : e.message);
}

console.log(`
  EPay gateway: ${account.gateway}${real ? ' (REAL gateway: real money)' : ' (embedded sandbox, no real money)'}  merchant ${account.pid}
  APIs: ${[account.key && 'V1 (MD5)', account.privateKey && 'V2 (RSA)'].filter(Boolean).join(' and ')}, the page starts with ${api.toUpperCase()}
  Orders: ${databaseUrl ? `PostgreSQL at ${redacted(databaseUrl)}` : dataDir ? `embedded PGlite in ${join(dataDir, 'pglite')}` : 'embedded PGlite in memory (--memory)'}
  Reconciliation: ${reconcileEverySec ? `every ${reconcileEverySec} s, orders unpaid for ${reconcileAfterSec} s or more` : 'no periodic job (--reconcile-every 0)'}
  Open the demo shop: ${merchant.url}
  Ctrl+C to stop.
`);
if (real && !values['public-url']) {
  console.log(`  Note: the gateway cannot reach ${merchant.url} to send notifies; orders stay "unpaid" without --public-url.\n`);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await merchant.close();
    await sandbox?.close();
    process.exit(0);
  });
}
