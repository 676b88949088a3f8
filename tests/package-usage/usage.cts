// Node CommonJS usage (a .cts file compiles to require(), so `epay-wasm`
// resolves through exports["."].node.require -> index.d.cts).
import epay = require('epay-wasm');
import { EpayError, sign, type NotifyResult, type SignedParams } from 'epay-wasm';

const KEY = 'testkey123';
const signature: string = epay.sign({ money: 'moneyv', device: 'devicev' }, '1234567');
const same: string = sign({ money: 'moneyv', device: 'devicev' }, '1234567');
const signed: SignedParams = epay.signParams({ pid: 1001, money: '1.00' }, KEY);
const result: NotifyResult = epay.verifyNotify(new URLSearchParams(signed), KEY, { pid: 1001 });
const url: string = epay.buildPayUrl(signed, { gateway: 'https://pay.example.com/' });

let err: unknown;
try {
  epay.signOrder({ pid: 0, out_trade_no: '', notify_url: '', return_url: '', name: '', money: 0 }, KEY);
} catch (e) {
  err = e;
}
const code: string | undefined = err instanceof EpayError ? err.code : undefined;
const sameClass: typeof EpayError = epay.EpayError;

const notifyHandler: (request: Request) => Promise<Response> = epay.createNotifyHandler({
  pid: 1001, key: KEY, loadOrder: () => ({ money: '1.00' }), onPaid: () => {},
});
const nodeNotifyHandler = epay.createNodeNotifyHandler({ pid: 1001, key: KEY, loadOrder: async () => null, onPaid: async () => {} });

// @ts-expect-error the CJS entry has the same types as the ESM one
epay.buildSubmitForm(signed, { gateway: 1 });

export = { signature, same, result, url, code, sameClass, notifyHandler, nodeNotifyHandler };
