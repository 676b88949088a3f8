#!/usr/bin/env node
// epay-sandbox: runs a local EPay (易支付) gateway. `epay-sandbox --help`.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startSandbox, DEFAULT_MERCHANTS, DEFAULT_RETRY_DELAYS_MS, TEST_KEY_FILES, describeFaults } from '../lib/index.mjs';

const HELP = `\
epay-sandbox — a local EPay (易支付) gateway for development and tests, V1 and V2 APIs,
answering as a 彩虹易支付 v3096 server does

Usage: epay-sandbox [options]

Options:
  --port N              port to listen on (default 8787; 0 = any free port)
  --host H              address to bind (default 127.0.0.1)
  --config FILE         JSON: [merchant, ...] or { "merchants": [...], "notifyRetryDelaysMs": [...],
                        "notifyTimeoutMs": n, "closeSupported": bool, "clockOffsetSec": n };
                        a merchant is { "pid": 1005, "key": "...", "name": "..." }
                        (optional: "active" 0/1, "account", "username", "settle_type", "settles": [...],
                        "dayCounters": "v3096" (act=query says orders_today/orders_lastday, the default)
                        or "seed" (order_today/order_lastday, as the seed document spells them),
                        "publicKey": the merchant's RSA public key, PEM or bare base64 SPKI DER,
                        "keyType": "MD5+RSA" (default) or "RSA" (MD5 refused everywhere, V1 included))
  --pid N --key K       add a merchant (repeatable, in pairs; replaces a configured one with that pid)
  --name TEXT           display names of the --pid merchants, in the same order (repeatable)
  --persist FILE        keep orders in FILE (loaded at start, rewritten atomically on every change)
  --notify-retry LIST   pauses before notify retries in ms, e.g. 60000,180000 (default ${DEFAULT_RETRY_DELAYS_MS.join(',')})
  --notify-timeout MS   timeout of one notify attempt (default 5000)
  --public-url URL      base URL for payurl/cashier links (default: from the request's Host header)
  --platform-key FILE   the platform's RSA private key (PEM) signing V2 answers and notifies
                        (default: the published TEST key keys/platform.pem)
  --close-supported     V2 pay/close closes unpaid orders (default: the signed -1 当前支付插件不支持关闭订单)
  --clock-offset SEC    seconds added to the sandbox clock of V2 timestamps (negative: --clock-offset=-600)
  --quiet               no per-request log lines
  -h, --help            this help

Default merchant (the seed document's test account): pid ${DEFAULT_MERCHANTS[0].pid}, key ${DEFAULT_MERCHANTS[0].key},
  RSA key type MD5+RSA, private key ${TEST_KEY_FILES.merchant1005PrivateKey}
TEST keys, never for real money: platform ${TEST_KEY_FILES.platformPrivateKey} (public: GET _sandbox/keys)
Keys are never logged.

Gateway endpoints (base URL http://HOST:PORT/):
  POST mapi.php         create an order (form-urlencoded or query). A created order is
                        {code:1,trade_no,payurl} sent as text/html (json_encode escapes \\/ \\uXXXX);
                        an error is {code,msg} sent as application/json:
                        -4 no parameters, -3 unknown pid / 缺少签名参数 / MD5签名校验失败,
                        -1 missing field, 金额不合法, 订单号(out_trade_no)格式不正确, bad clientip,
                        device not "jump", retried out_trade_no with changed fields / already paid.
                        Unknown type: HTML error page, HTTP 200.
  GET|POST submit.php   same checks (type optional, clientip/device not needed); 302 to the cashier,
                        or the HTML error page (never JSON)
  GET pay/<trade_no>    cashier page: #pay pays (notify + 302 to return_url with signed fields),
                        #cancel shows a cancelled page (order stays unpaid)
  GET api.php?act=query|settle|order|orders&pid=..&key=..   JSON as json_encode writes it.
                        query: orders_today/orders_lastday (see dayCounters); settle: data null when none;
                        order: with bill_trade_no (null); orders: limit <= 50 and offset (page ignored),
                        {code,msg,count,data} with rows without api_trade_no; no rows: HTTP 500, empty body
  POST api.php?act=refund   body pid, key, trade_no or out_trade_no, money; code 0 on success,
                        partial refunds allowed, order status becomes 2. Unknown act -5, bad pid/key -3.

V2 endpoints (POST form-urlencoded; pay/submit also GET). Every request: pid, timestamp (Unix
  seconds within ±300 s of the sandbox clock), sign_type=RSA and sign = base64 SHA256withRSA of the
  sign string with the merchant's private key (sign_type=MD5 with the KEY too, unless keyType "RSA").
  Success: code 0 + timestamp, sign_type "RSA", sign (platform key, over the scalar fields: numbers as
  their text, arrays such as data not signed). Thrown errors are unsigned {code,msg}: -4 no pid,
  -1 pid/merchant/missing field/unknown order, -3 时间戳(timestamp)字段不能为空 / 时间戳字段不正确，请检查服务器时间 /
  RSA签名校验失败 / 该商户只能使用RSA签名类型, -5 unknown route. JSON is application/json except:
  POST api/pay/create         method web|jump|jsapi|app|scan|applet, device pc|mobile|qq|wechat|alipay;
                              {code:0,trade_no,pay_type,pay_info} sent as text/html (\\/ \\uXXXX escapes).
                              jump → pay_info <base>pay/submit/<trade_no>/; web → jump, or qrcode for
                              wxpay/qqpay on pc; jsapi/app/applet/scan → jsapi/app/wxapp/scan
  GET|POST api/pay/submit     302 to <base>pay/submit/<trade_no>/, or the HTML error page
  POST api/pay/query          trade_no or out_trade_no; empty fields dropped, refundmoney once refunded
  POST api/pay/refund         trade_no or out_trade_no, money, [out_refund_no]: de-duplicated on
                              out_refund_no (same refund_no, msg 已存在相同退款单号！...); refusals signed -1
  POST api/pay/refundquery    refund_no or out_refund_no
  POST api/pay/close          signed -1 当前支付插件不支持关闭订单 (--close-supported: closes an unpaid order)
  POST api/merchant/info      no settle_* fields
  POST api/merchant/orders    offset, limit <= 50 (default 10), [status]; {code:0,data:[...]} (data unsigned)
  Notifies of V2 orders (and their return redirects) are RSA-signed by the platform with a timestamp,
  signed anew at every attempt; V1 orders keep MD5.

Signatures: over every received field but sign/sign_type (empty ones skipped), names as PHP's
  $_GET/$_POST hold them ("a.b" and "x y" arrive as a_b and x_y; "a[...]" is an array, signed as
  "Array"), ordered as PHP's ksort() (numeric names by value), "k=v" joined with "&". MD5: the
  KEY appended, md5 hex. RSA (V2, and V1 with sign_type=RSA): SHA256withRSA, base64.

Notifies: signed GET to notify_url (pid, trade_no, out_trade_no, type, name, money with trailing
  zeros dropped, trade_status=TRADE_SUCCESS, param, api_trade_no, buyer, sign, sign_type).
  Redirects not followed; acknowledged only by the body "success" (trimmed); otherwise retried
  after each pause of --notify-retry. Every attempt is recorded on the order.

Control API (JSON; not counted, never faulted):
  GET    _sandbox/orders[?out_trade_no=X]    all orders with state and notify attempts
  GET    _sandbox/orders/<trade_no>
  POST   _sandbox/orders/<trade_no>/pay      body {type?, buyer?, api_trade_no?} (buyer null: none): pay + notify;
                                             answers {order, return_url}
  POST   _sandbox/orders/<trade_no>/fail     payment failed (order stays unpaid, state "failed")
  POST   _sandbox/orders/<trade_no>/notify   send the notify again (new round of attempts)
  POST   _sandbox/reset                      forget orders, counters and faults
  GET    _sandbox/requests                   counters, e.g. {"mapi.php": 3, "api/pay/create": 1, "pay": 2}
  GET    _sandbox/keys                       {platformPublicKey (PEM), platformPublicKeyBase64}
  GET    _sandbox/clock                      {now (Unix seconds of the sandbox clock), offsetSec}
  POST   _sandbox/clock                      {"offsetSec": n}: moves the sandbox clock (reset restores it)
  GET    _sandbox/faults                     active faults
  POST   _sandbox/faults                     {"target", "kind", "ms"?, "times"?, "bytes"?, "location"?}
  DELETE _sandbox/faults                     remove all faults

Faults: target is "*" (every gateway request), "mapi.php", "submit.php", "pay", "api.php",
  "api.php?act=<act>", "api" (every V2 route), "api/<class>", "api/<class>/<func>" or "notify"
  (outgoing notifies). "times" = how many matching requests
  (default 1; 0 = until DELETE). "ms" delays any kind. Kinds:
${describeFaults}

CORS: Access-Control-Allow-Origin: * everywhere, OPTIONS preflights answered.
`;

function fail(message) {
  console.error(`epay-sandbox: ${message}\nRun epay-sandbox --help for usage.`);
  process.exit(2);
}

const intOption = (value, name) => {
  if (!/^\d+$/.test(value)) fail(`${name} must be a non-negative integer`);
  return Number(value);
};

function readPlatformKey(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`cannot read --platform-key ${file}: ${e.code ?? e.message}`);
  }
}

function clockOffset(value) {
  if (!/^-?\d+$/.test(value)) fail('--clock-offset must be an integer number of seconds');
  return Number(value);
}

function readConfig(file) {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(json) ? { merchants: json } : json;
  } catch (e) {
    return fail(`cannot read --config ${file}: ${e.message}`);
  }
}

/** Config merchants (or the default one) plus --pid/--key pairs, a later pid replacing an earlier one. */
function merchantsFrom(values, config) {
  const pids = values.pid ?? [];
  const keys = values.key ?? [];
  if (pids.length !== keys.length) fail('--pid and --key come in pairs');
  const byPid = new Map((config.merchants ?? DEFAULT_MERCHANTS).map((m) => [Number(m.pid), m]));
  pids.forEach((pid, i) => byPid.set(intOption(pid, '--pid'),
    { pid: Number(pid), key: keys[i], ...(values.name?.[i] ? { name: values.name[i] } : {}) }));
  return [...byPid.values()];
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string', default: '8787' }, host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' }, pid: { type: 'string', multiple: true }, key: { type: 'string', multiple: true },
      name: { type: 'string', multiple: true }, persist: { type: 'string' },
      'notify-retry': { type: 'string' }, 'notify-timeout': { type: 'string' }, 'public-url': { type: 'string' },
      'platform-key': { type: 'string' }, 'close-supported': { type: 'boolean' }, 'clock-offset': { type: 'string' },
      quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  fail(e.message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const config = values.config ? readConfig(values.config) : {};
const retry = values['notify-retry'];

let sandbox;
try {
  sandbox = await startSandbox({
    port: intOption(values.port, '--port'),
    host: values.host,
    merchants: merchantsFrom(values, config),
    persist: values.persist,
    notifyRetryDelaysMs: retry !== undefined ? retry.split(',').filter(Boolean).map((ms) => intOption(ms, '--notify-retry')) : config.notifyRetryDelaysMs,
    notifyTimeoutMs: values['notify-timeout'] !== undefined ? intOption(values['notify-timeout'], '--notify-timeout') : config.notifyTimeoutMs,
    publicUrl: values['public-url'],
    platformKey: values['platform-key'] !== undefined ? readPlatformKey(values['platform-key']) : undefined,
    closeSupported: values['close-supported'] || config.closeSupported,
    clockOffsetSec: values['clock-offset'] !== undefined ? clockOffset(values['clock-offset']) : config.clockOffsetSec,
    log: values.quiet ? undefined : (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
} catch (e) {
  fail(e.message);
}

const merchants = [...sandbox.state.store.merchants.values()].map((m) => `${m.pid} (${m.name})`).join(', ');
console.log(`epay-sandbox: gateway at ${sandbox.url}  merchants: ${merchants}${values.persist ? `  persist: ${values.persist}` : ''}`);
console.log(`epay-sandbox: platform key ${values['platform-key'] ?? `${TEST_KEY_FILES.platformPrivateKey} (TEST key)`}; `
  + `its public key at ${sandbox.url}_sandbox/keys`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await sandbox.close();
    process.exit(0);
  });
}
