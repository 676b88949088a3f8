#!/usr/bin/env node
// The demo: the local sandbox gateway plus the demo merchant server, then
// the URL to open. `node demo/main.mjs --help`.

import { parseArgs } from 'node:util';
import { DEFAULT_MERCHANTS, startSandbox } from 'epay-sandbox';
import { startMerchant } from './merchant.mjs';

const HELP = `\
epay-wasm demo — a shop that takes payments through an EPay (易支付) gateway

Usage: node demo/main.mjs [--port N] [--host H] [--public-url URL] [--quiet]

  --port N          merchant server port (default $PORT or 3000; 0 = any free port)
  --host H          address to bind (default 127.0.0.1)
  --public-url URL  base URL the gateway reaches this server at, for notify_url and
                    return_url (default http://HOST:PORT/); a real gateway needs one
  --quiet           no log lines
  -h, --help        this help

By default it starts the embedded sandbox gateway (offline, no real money).
With EPAY_GATEWAY, EPAY_PID and EPAY_KEY set it uses that gateway instead, e.g.
  EPAY_GATEWAY=https://papi.payqqpay.cn/ EPAY_PID=1005 EPAY_KEY=... node demo/main.mjs
The KEY stays in this process: it is never sent to the browser or logged.
`;

function fail(message) {
  console.error(`demo: ${message}\nRun node demo/main.mjs --help for usage.`);
  process.exit(2);
}

/** The gateway to use: EPAY_* from the environment (all three or none), else null for the sandbox. */
function realGateway(env) {
  const set = ['EPAY_GATEWAY', 'EPAY_PID', 'EPAY_KEY'].filter((name) => env[name]);
  if (set.length === 0) return null;
  if (set.length < 3) fail('set all of EPAY_GATEWAY, EPAY_PID and EPAY_KEY, or none for the sandbox');
  return { gateway: env.EPAY_GATEWAY, pid: env.EPAY_PID, key: env.EPAY_KEY };
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' }, host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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

const log = (prefix) => (values.quiet ? undefined : (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${prefix} ${line}`));
const real = realGateway(process.env);
const sandbox = real ? null : await startSandbox({ host: values.host, log: log('[gateway] ') });
const account = real ?? { gateway: sandbox.url, pid: DEFAULT_MERCHANTS[0].pid, key: DEFAULT_MERCHANTS[0].key };

let merchant;
try {
  merchant = await startMerchant({
    ...account, port: Number(values.port), host: values.host, publicUrl: values['public-url'],
    sandbox: !real, log: log('[merchant]'),
  });
} catch (e) {
  await sandbox?.close();
  fail(e.code === 'EADDRINUSE' ? `port ${values.port} is in use: try --port 0` : e.message);
}

console.log(`
  EPay gateway: ${account.gateway}${real ? ' (REAL gateway: real money)' : ' (embedded sandbox, no real money)'}  merchant ${account.pid}
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
