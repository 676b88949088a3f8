// The checks every mode runs (Node CJS, Node ESM, browser, bundle): a pure
// function of the package's exports that returns plain JSON, so the test can
// assert known values and compare the modes with each other. Runs anywhere:
// no Node or DOM APIs.

export const KEY = 'testkey123';
export const GATEWAY = 'https://pay.example.com/';

/** The reference vector: with KEY `testkey123` it signs to 22af0227eebf7a4095b64af5fa89ca6d. */
export const VECTOR = {
  money: '10.00',
  name: 'Test Product',
  notify_url: 'https://example.com/notify',
  out_trade_no: 'ORDER001',
  pid: 1001,
  type: 'alipay',
};

export const ORDER = {
  ...VECTOR,
  money: 10,
  name: 'Tea & "cakes" <x>',
  return_url: 'https://example.com/return',
  param: 'cart=42&coupon=none',
};

/** What calling `fn` did: its value, or the error's observable shape. */
function attempt(epay, fn) {
  try {
    return { threw: false, value: fn() };
  } catch (e) {
    return {
      threw: true,
      isError: e instanceof Error,
      isEpayError: e instanceof epay.EpayError,
      name: e?.name,
      code: e?.code,
      field: e?.field,
      message: e?.message,
      hasStack: typeof e?.stack === 'string',
    };
  }
}

export function observe(epay) {
  const signedOrder = epay.signOrder(ORDER, KEY);

  // A notify as the gateway would send it: signed with the merchant KEY.
  const notify = new URLSearchParams({
    pid: '1001',
    trade_no: '2024010112345678',
    out_trade_no: 'ORDER001',
    type: 'alipay',
    name: 'Test Product',
    money: '10.00',
    trade_status: 'TRADE_SUCCESS',
  });
  notify.set('sign', epay.sign(notify, KEY));
  notify.set('sign_type', 'MD5');
  const query = notify.toString();
  const expected = { pid: 1001, out_trade_no: 'ORDER001', money: '10' };

  const manual = new epay.EpayError('bad money', 'INVALID_PARAM', 'money');

  // The client's offline methods (no request is made).
  const client = new epay.EpayClient({ gateway: GATEWAY, pid: 1001, key: KEY });
  const clientResults = {
    sign: client.sign(VECTOR),
    payUrl: client.buildPayUrl(ORDER),
    verify: client.verifyNotify(query, { out_trade_no: 'ORDER001', money: 10 }).reason,
  };
  client.free();
  const qr = epay.toQrSvg('https://pay.example.com/submit.php?pid=1001', { size: 128 });

  return {
    vectorShort: epay.sign({ money: 'moneyv', device: 'devicev' }, '1234567'),
    vectorOrder: epay.sign(VECTOR, KEY),
    vectorFromSearchParams: epay.sign(new URLSearchParams(Object.entries(VECTOR).map(([k, v]) => [k, String(v)])), KEY),
    signParams: epay.signParams(VECTOR, KEY),
    signedOrder,
    notifyOk: epay.verifyNotify(query, KEY, expected),
    notifyFromObject: epay.verifyNotify(Object.fromEntries(notify), KEY, expected),
    notifyWrongKey: attempt(epay, () => epay.verifyNotify(query, 'not-the-key', expected).reason),
    notifyWrongMoney: attempt(epay, () => epay.verifyNotify(query, KEY, { money: '9.99' }).reason),
    notifyTampered: attempt(epay, () => epay.verifyNotify(query.replace('money=10.00', 'money=0.01'), KEY, {}).reason),
    form: epay.buildSubmitForm(signedOrder, { gateway: GATEWAY }),
    payUrl: epay.buildPayUrl(ORDER, { gateway: GATEWAY, key: KEY }),
    badMoney: attempt(epay, () => epay.sign({ money: { yuan: 10 } }, KEY)),
    badKey: attempt(epay, () => epay.sign(VECTOR, 1234567)),
    unsignedForm: attempt(epay, () => epay.buildSubmitForm(ORDER, { gateway: GATEWAY })),
    client: clientResults,
    badClient: attempt(epay, () => new epay.EpayClient({ gateway: 'not a url', pid: 1001, key: KEY })),
    qr: { start: qr.slice(0, qr.indexOf('>') + 1), length: qr.length },
    constructed: {
      isError: manual instanceof Error,
      isEpayError: manual instanceof epay.EpayError,
      name: manual.name,
      code: manual.code,
      field: manual.field,
      message: manual.message,
    },
  };
}
