// Browser usage through the explicit subpath `epay-wasm/web` (web.d.mts):
// init first, then the same functions as in Node.
import init, {
  EpayError,
  buildSubmitForm,
  createNodeNotifyHandler,
  createNotifyHandler,
  initSync,
  init as namedInit,
  sign,
  signV2,
  verifyNotify,
  verifyNotifyV2,
  type InitInput,
  type InitOutput,
  type NotifyResult,
} from 'epay-wasm/web';

const wasmUrl = new URL('epay_wasm_bg.wasm', import.meta.url);
const output: InitOutput = await init();
const again: InitOutput = await namedInit({ module_or_path: wasmUrl });
const input: InitInput = wasmUrl;
const fromFetch: Promise<InitOutput> = init({ module_or_path: fetch(wasmUrl) });
const sync: (m: { module: WebAssembly.Module }) => InitOutput = initSync;

const signature: string = sign({ money: 'moneyv', device: 'devicev' }, '1234567');
const result: NotifyResult = verifyNotify(location.search, 'k', {});
const html: string = buildSubmitForm(
  { pid: '1', out_trade_no: 'A1', money: '1.00', sign: 'x', sign_type: 'MD5' },
  { gateway: 'https://pay.example.com/' },
);
const isEpay: boolean = new Error('x') instanceof EpayError;
const memory: WebAssembly.Memory = output.memory;

// @ts-expect-error init resolves to InitOutput, not a string
const wrong: string = await init();
// @ts-expect-error the KEY is a string
sign({ pid: 1 }, 1234567);

// V2 in the page: a DOM CryptoKey is a CryptoKeyLike; notifies verify with WebCrypto.
async function v2InThePage(key: CryptoKey): Promise<boolean> {
  const signed: string = await signV2({ pid: 1, timestamp: '1796193661' }, key);
  const notify: NotifyResult = await verifyNotifyV2(location.search, 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...', {}, { now: Date.now() });
  return signed.length > 0 && notify.ok;
}

// A notify handler in a worker or edge function: created at any time, verifying after init().
const notifyHandler: (request: Request) => Promise<Response> = createNotifyHandler({
  pid: 1001, platformPublicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...', loadOrder: () => ({ money: 1 }), onPaid: async () => {},
});
const nodeNotifyHandler = createNodeNotifyHandler({ pid: 1001, key: 'k', loadOrder: () => null, onPaid: () => {} });
// @ts-expect-error loadOrder is required
createNotifyHandler({ pid: 1001, key: 'k', onPaid: () => {} });

export const used = [notifyHandler, nodeNotifyHandler, wrong, again, input, fromFetch, sync, signature, result, html, isEpay, memory, v2InThePage];
