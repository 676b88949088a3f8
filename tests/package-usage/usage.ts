// Node ESM usage of the installed package, type-checked by tests/js/package.test.mjs
// (copied into a temp project whose package.json has "type": "module", so
// `epay-wasm` resolves through exports["."].node.import -> index.d.mts).
// Every `@ts-expect-error` below must be a real error: if the types decayed
// to `any`, the directive would be unused and tsc would fail.
import {
  EpayClient,
  EpayError,
  buildPayUrl,
  buildSubmitForm,
  sign,
  signOrder,
  signParams,
  toQrSvg,
  verifyNotify,
  type CreatedOrder,
  type EpayClientOptions,
  type EpayErrorCode,
  type GatewayOrder,
  type JsonValue,
  type MerchantInfo,
  type OrdersOptions,
  type OrdersPage,
  type RefundResult,
  type Settlement,
  type QrSvgOptions,
  type NotifyExpected,
  type NotifyReason,
  type NotifyResult,
  type ParamValue,
  type Params,
  type SignedParams,
  type SubmitOptions,
  type SubmitOrder,
  EpayClientV2,
  buildPayUrlV2,
  buildSubmitFormV2,
  signV2,
  verifyNotifyV2,
  type ApiOrderV2,
  type CreatedOrderV2,
  type CryptoKeyLike,
  type EpayClientV2Options,
  type GatewayOrderV2,
  type MerchantInfoV2,
  type OrderListV2,
  type OrdersQueryV2,
  type RefundOptionsV2,
  type RefundRef,
  type RefundResultV2,
  type RefundV2,
  type SignedParamsV2,
  type SubmitOptionsV2,
  type SubmitOrderV2,
  type VerifyNotifyV2Options,
  createNodeNotifyHandler,
  createNotifyHandler,
  type NodeNotifyRequest,
  type NodeNotifyResponse,
  type NotifyHandlerOptions,
  type NotifyOrder,
} from 'epay-wasm';

const KEY = 'testkey123';
const gateway = 'https://pay.example.com/';

const money: ParamValue = '10.00';
const params: Params = {
  money,
  name: 'Test Product',
  notify_url: 'https://example.com/notify',
  out_trade_no: 'ORDER001',
  pid: 1001,
  type: 'alipay',
  absent: undefined,
  big: 10n,
};
const signature: string = sign(params, KEY);
const fromSearch: string = sign(new URLSearchParams('money=1.00&pid=1001'), KEY);

const signed: SignedParams = signParams(params, KEY);
const signType: 'MD5' = signed.sign_type;
const signedSign: string = signed.sign;
const anyField: string | undefined = signed['out_trade_no'];

const order: SubmitOrder = {
  pid: '1001',
  type: 'alipay',
  out_trade_no: 'ORDER001',
  notify_url: 'https://example.com/notify',
  return_url: 'https://example.com/return',
  name: 'Test Product',
  money: 10,
  param: 'cart=42',
  extra_field: 'kept and signed',
};
const signedOrder: SignedParams = signOrder(order, KEY);

const serverSide: SubmitOptions = { gateway, key: KEY };
const browserSide: SubmitOptions = { gateway };
const form: string = buildSubmitForm(signedOrder, browserSide);
const formSignedHere: string = buildSubmitForm(order, serverSide);
const payUrl: string = buildPayUrl(order, serverSide);
const payUrlPresigned: string = buildPayUrl(signedOrder, { gateway });

const expected: NotifyExpected = { pid: 1001, out_trade_no: 'ORDER001', money: '10.00' };
const fromQuery: NotifyResult = verifyNotify('pid=1001&sign=x', KEY, expected);
const fromSearchParams: NotifyResult = verifyNotify(new URLSearchParams('pid=1001'), KEY, {});
const fromObject: NotifyResult = verifyNotify({ pid: '1001', sign: 'x' }, KEY, { money: 10 });
const ok: boolean = fromQuery.ok;
const paid: boolean = fromQuery.paid;
const reason: NotifyReason | null = fromQuery.reason;
const data: Record<string, string> = fromQuery.data;

/** Exhaustive: fails to compile if NotifyReason gains or loses a member. */
function explain(r: NotifyReason): string {
  switch (r) {
    case 'malformed': return 'not a notify';
    case 'missing_sign': return 'unsigned';
    case 'bad_sign': return 'forged or wrong KEY';
    case 'stale_timestamp': return 'a V2 notify signed too long ago';
    case 'pid_mismatch': return 'another merchant';
    case 'out_trade_no_mismatch': return 'another order';
    case 'money_mismatch': return 'another amount';
    default: {
      const unreachable: never = r;
      return unreachable;
    }
  }
}
const why: string = reason === null ? 'ok' : explain(reason);

try {
  sign({ money: Number.NaN }, KEY);
} catch (e: unknown) {
  if (e instanceof EpayError) {
    const name: 'EpayError' = e.name;
    const code: EpayErrorCode = e.code;
    const field: string | null = e.field;
    const message: string = e.message;
    void [name, code, field, message];
  }
}
const made: EpayError = new EpayError('bad money', 'INVALID_PARAM', 'money');
const asError: Error = made;
const codes: EpayErrorCode[] = ['INVALID_PARAM', 'API_ERROR', 'HTTP_ERROR', 'TIMEOUT', 'NETWORK', 'BAD_RESPONSE', 'BAD_SIGNATURE'];

// The gateway client (server side): offline helpers and Promise-returning calls.
const clientOptions: EpayClientOptions = { gateway, pid: 1001, key: KEY, timeoutMs: 5000, retries: 2 };
const client = new EpayClient(clientOptions);
const clientSign: string = client.sign(params);
const clientUrl: string = client.buildPayUrl(order);
const clientVerify: NotifyResult = client.verifyNotify('pid=1001', { money: 10 });
async function serverFlow(c: EpayClient): Promise<string | null> {
  const created: CreatedOrder = await c.createOrder({
    type: 'alipay', out_trade_no: 'ORDER002', notify_url: 'https://example.com/notify',
    return_url: 'https://example.com/return', name: 'Test Product', money: '1.00', clientip: '203.0.113.7',
  });
  const payurl: string | null = created.payurl;
  const found: GatewayOrder = await c.queryOrder({ out_trade_no: 'ORDER002' });
  const paidOrder: boolean = found.paid;
  const status: number | null = found.status;
  const extra: JsonValue | undefined = found['bill_trade_no'];
  const me: MerchantInfo = await c.queryMerchant();
  const today: number | null = me.order_today;
  const settlements: Settlement[] = await c.querySettlements();
  const refunded: RefundResult = await c.refund({ trade_no: found.trade_no }, '1.00');
  const refundCode: number = refunded.code;
  void [created, payurl, paidOrder, status, extra, today, settlements, refundCode];
  return found.money;
}

// Paging by page or by offset, and every order through the async iterator.
async function listing(c: EpayClient): Promise<number> {
  const byPage: OrdersPage = { limit: 20, page: 2 };
  const byOffset: OrdersPage = { limit: 20, offset: 40 };
  const first: GatewayOrder[] = await c.queryOrders();
  const second: GatewayOrder[] = await c.queryOrders(byPage);
  const third: GatewayOrder[] = await c.queryOrders(byOffset);
  const options: OrdersOptions = { limit: 50, status: 1 };
  const all: AsyncIterable<GatewayOrder> = c.orders(options);
  let paidCount = 0;
  for await (const order of all) if (order.paid) paidCount++;
  for await (const order of c.orders()) void order.trade_no;
  return first.length + second.length + third.length + paidCount;
}

// A custom fetch: a proxy, an agent, a test double.
const viaProxy = new EpayClient({
  ...clientOptions,
  fetch: (input, init) => fetch(input, { ...init, keepalive: false }),
});
const withGlobalFetch = new EpayClient({ gateway, pid: 1001, key: KEY, fetch });
viaProxy.free();
withGlobalFetch.free();
client.free();

const qrOptions: QrSvgOptions = { ecc: 'H', border: 2, dark: '#111', light: '#fff', size: 256 };
const svg: string = toQrSvg(payUrl, qrOptions);
const svgDefault: string = toQrSvg(payUrl);

// ---- V2 (SHA256withRSA) ----
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----';
const PLATFORM_KEY = 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...';
const v2Options: EpayClientV2Options = {
  gateway, pid: 1001, privateKey: PRIVATE_KEY, platformPublicKey: [PLATFORM_KEY, 'the next key'],
  timeoutMs: 5000, retries: 2, clockSkewSec: 300, fetch,
};
const clientV2 = new EpayClientV2(v2Options);
async function serverFlowV2(c: EpayClientV2): Promise<string | null> {
  const apiOrder: ApiOrderV2 = {
    type: 'alipay', out_trade_no: 'ORDER003', notify_url: 'https://example.com/notify', name: 'Test Product', money: 1,
    clientip: '203.0.113.7', method: 'jump', device: 'pc', extra_field: 'kept and signed',
  };
  const created: CreatedOrderV2 = await c.createOrder(apiOrder);
  const payInfo: string | null = created.pay_info;
  const payType: string = created.pay_type;
  const found: GatewayOrderV2 = await c.queryOrder({ trade_no: created.trade_no });
  const refundedSoFar: string | null | undefined = found.refundmoney;
  const isPaid: boolean = found.paid;
  const refundOptions: RefundOptionsV2 = { out_refund_no: 'REFUND003' };
  const refunded: RefundResultV2 = await c.refund({ out_trade_no: 'ORDER003' }, '0.50', refundOptions);
  const generated: RefundResultV2 = await c.refund({ trade_no: created.trade_no }, 0.5);
  const which: RefundRef = { out_refund_no: refunded.out_refund_no };
  const refund: RefundV2 = await c.queryRefund(which);
  const refundStatus: number | null = refund.status;
  const closed: void = await c.closeOrder({ out_trade_no: 'ORDER003' });
  const me: MerchantInfoV2 = await c.queryMerchant();
  const balance: string | null = me.money;
  const paging: OrdersQueryV2 = { offset: 20, limit: 20, status: 1 };
  const page: OrderListV2 = await c.queryOrders(paging);
  const firstPage: GatewayOrderV2[] = await c.queryOrders();
  for await (const order of c.orders({ limit: 50, status: 1 })) void order.refundmoney;
  const submitOrder: SubmitOrderV2 = {
    out_trade_no: 'ORDER004', notify_url: 'https://example.com/notify', return_url: 'https://example.com/return', name: 'n', money: '1.00',
  };
  const signedV2: SignedParamsV2 = await c.signOrder(submitOrder);
  const rsa: 'RSA' = signedV2.sign_type;
  const stamp: string = signedV2.timestamp;
  const formHere: string = await c.buildSubmitForm(submitOrder);
  const linkHere: string = await c.buildPayUrl(submitOrder);
  const pageSide: SubmitOptionsV2 = { gateway };
  const formOnPage: string = buildSubmitFormV2(signedV2, pageSide);
  const linkOnPage: string = buildPayUrlV2(signedV2, { gateway });
  const verified: NotifyResult = await c.verifyNotify('pid=1001&sign=x', { out_trade_no: 'ORDER003', money: '1.00' });
  void [payInfo, payType, refundedSoFar, isPaid, generated, refundStatus, closed, balance, page, firstPage, rsa, stamp,
    formHere, linkHere, formOnPage, linkOnPage, verified];
  return refunded.out_trade_no;
}
async function standaloneV2(key: CryptoKeyLike): Promise<NotifyReason | null> {
  const fromText: string = await signV2(params, PRIVATE_KEY);
  const fromCryptoKey: string = await signV2({ pid: 1001, timestamp: '1796193661' }, key);
  const options: VerifyNotifyV2Options = { clockSkewSec: 300, now: new Date() };
  const one: NotifyResult = await verifyNotifyV2('pid=1001&sign=x', PLATFORM_KEY);
  const rotated: NotifyResult = await verifyNotifyV2(new URLSearchParams('pid=1001'), [PLATFORM_KEY, 'next'], expected, options);
  const atMs: NotifyResult = await verifyNotifyV2({ pid: '1001' }, PLATFORM_KEY, {}, { now: 1796193661000 });
  void [fromText, fromCryptoKey, one, atMs];
  return rotated.reason;
}
try {
  void clientV2.queryMerchant();
} catch (e: unknown) {
  if (e instanceof EpayError && e.code === 'BAD_SIGNATURE') void e.message;
  if (e instanceof EpayError) void e.out_refund_no;
}
clientV2.free();

// ---- misuse that must not compile ----
// @ts-expect-error EpayClientV2 needs the platform public key
new EpayClientV2({ gateway, pid: 1001, privateKey: PRIVATE_KEY });
// @ts-expect-error EpayClientV2 takes privateKey, not an MD5 key
new EpayClientV2({ ...v2Options, key: KEY });
// @ts-expect-error createOrder needs clientip
void clientV2.createOrder({ type: 'alipay', out_trade_no: 'A', notify_url: 'https://a.example/n', name: 'n', money: 1 });
// @ts-expect-error signOrder's order needs return_url
void clientV2.signOrder({ out_trade_no: 'A', notify_url: 'https://a.example/n', name: 'n', money: 1 });
// @ts-expect-error refund options take out_refund_no only
void clientV2.refund({ trade_no: 'T' }, 1, { outRefundNo: 'R123456' });
// @ts-expect-error queryRefund takes refund_no or out_refund_no
void clientV2.queryRefund({ trade_no: 'T' });
// @ts-expect-error queryOrders pages by offset, not page
void clientV2.queryOrders({ page: 2 });
// @ts-expect-error buildSubmitFormV2 takes no key: the params are signed already
buildSubmitFormV2({ sign: 'x', sign_type: 'RSA', pid: '1', timestamp: '1' }, { gateway, key: KEY });
// @ts-expect-error verifyNotifyV2's now is a Date or milliseconds
void verifyNotifyV2('pid=1', PLATFORM_KEY, {}, { now: '2026-01-01' });
// @ts-expect-error signV2 returns a Promise
const notAString: string = signV2(params, PRIVATE_KEY);
async function closeResolvesWithNothing(c: EpayClientV2): Promise<void> {
  // @ts-expect-error closeOrder resolves with nothing
  const notAnOrder: GatewayOrderV2 = await c.closeOrder({ trade_no: 'T' });
  void notAnOrder;
}

// @ts-expect-error the client needs pid and key
new EpayClient({ gateway });
// @ts-expect-error createOrder needs clientip
void client.createOrder({ type: 'alipay', out_trade_no: 'A', notify_url: 'https://a.example/n', return_url: 'https://a.example/r', name: 'n', money: 1 });
// @ts-expect-error ecc is L, M, Q or H
toQrSvg('x', { ecc: 'X' });
// @ts-expect-error gateway is a string
buildPayUrl(order, { gateway: 1 });
// @ts-expect-error options need a gateway
buildSubmitForm(signedOrder, {});
// @ts-expect-error the KEY is a string
sign(params, 123);
// @ts-expect-error the KEY is a string
verifyNotify('pid=1', { key: KEY }, {});
// @ts-expect-error a field value is a string, number or bigint
sign({ money: { yuan: 1 } }, KEY);
// @ts-expect-error an order needs out_trade_no
signOrder({ pid: 1, notify_url: 'https://a.example/n', return_url: 'https://a.example/r', name: 'n', money: 1 }, KEY);
// @ts-expect-error page or offset, not both
void client.queryOrders({ page: 2, offset: 20 });
// @ts-expect-error an unknown option key is refused (and throws at run time)
new EpayClient({ ...clientOptions, timeout: 1000 });
// @ts-expect-error fetch is a function
new EpayClient({ ...clientOptions, fetch: 'https://proxy.example/' });
// @ts-expect-error orders() takes limit and status
client.orders({ page: 2 });
// @ts-expect-error NotifyResult has no `success`
fromQuery.success;
// @ts-expect-error reason is a closed union
const badReason: NotifyReason = 'expired';
// @ts-expect-error code is a closed union
const badCode: EpayErrorCode = 'OOPS';
// @ts-expect-error sign_type is always 'MD5'
const badType: 'SHA256' = signed.sign_type;
// @ts-expect-error `expected.money` is a string or number
verifyNotify('pid=1', KEY, { money: true });

// Notify handlers: the options typed, the Web handler Request → Promise<Response>.
const shopOrders = new Map<string, NotifyOrder>([['ORDER001', { money: '10.00' }], ['ORDER002', { money: 2.5, paid: true }]]);
const handlerOptions: NotifyHandlerOptions = {
  pid: 1001,
  key: KEY,
  platformPublicKey: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...', 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEB...'],
  clockSkewSec: 300,
  loadOrder: async (outTradeNo: string) => shopOrders.get(outTradeNo) ?? null,
  onPaid: async (fields: Record<string, string>) => {
    const tradeNo: string | undefined = fields['trade_no'];
    if (tradeNo === undefined) throw new Error('no trade_no');
  },
  onError: (error: unknown, fields?: Record<string, string>) => console.error(error, fields?.['out_trade_no']),
};
const webHandler: (request: Request) => Promise<Response> = createNotifyHandler(handlerOptions);
const v2Only = createNotifyHandler({ pid: '1001', platformPublicKey: 'MIIB...', loadOrder: () => null, onPaid: () => {} });
const nodeHandler: (req: NodeNotifyRequest, res: NodeNotifyResponse, body?: unknown) => Promise<void> =
  createNodeNotifyHandler({ pid: 1001, key: KEY, loadOrder: (no) => ({ money: no.length }), onPaid() {} });
async function notifyAnswer(request: Request): Promise<string> {
  const response: Response = await webHandler(request);
  return `${response.status} ${await (await v2Only(request)).text()}`;
}

// @ts-expect-error an unknown option is refused (and throws at run time)
createNotifyHandler({ ...handlerOptions, notifyUrl: '/epay/notify' });
// @ts-expect-error loadOrder gives { money, paid? } or null
createNotifyHandler({ ...handlerOptions, loadOrder: () => ({ amount: '1.00' }) });
// @ts-expect-error money is a string or a number
createNodeNotifyHandler({ ...handlerOptions, loadOrder: async () => ({ money: true }) });
// @ts-expect-error onPaid gets the verified fields as strings
createNotifyHandler({ ...handlerOptions, onPaid: (fields: Record<string, number>) => fields });
// @ts-expect-error pid is a number or a string
createNodeNotifyHandler({ ...handlerOptions, pid: true });
// @ts-expect-error the Web handler takes a Request
void webHandler('https://shop.example/epay/notify?pid=1001');

export const used = [
  signature, fromSearch, signType, signedSign, anyField, form, formSignedHere, payUrl, payUrlPresigned,
  fromSearchParams, fromObject, ok, paid, data, why, asError, codes, badReason, badCode, badType,
  clientSign, clientUrl, clientVerify, serverFlow, listing, svg, svgDefault, serverFlowV2, standaloneV2, notAString, closeResolvesWithNothing,
  nodeHandler, notifyAnswer,
];
