// Must FAIL to type-check (tests/js/package.test.mjs asserts tsc exits
// non-zero and reports an error on each line marked "error:"). If the
// package's types were `any`, this file would compile.
import { EpayClient, buildPayUrl, toQrSvg, verifyNotify } from 'epay-wasm';

const url: string = buildPayUrl({ pid: 1, out_trade_no: 'A', notify_url: 'https://a.example/n', return_url: 'https://a.example/r', name: 'n', money: 1 }, { gateway: 1 }); // error: gateway is a string
const result = verifyNotify('pid=1', 'key', {});
const success: boolean = result.success; // error: no such field
const n: number = result.ok; // error: ok is a boolean

const client = new EpayClient({ gateway: 'https://a.example/', pid: 1, key: 'k', timeout: 5 }); // error: unknown option
const page = client.queryOrders({ limit: 2, offest: 2 }); // error: unknown paging key
const svg: string = toQrSvg('x', { colour: '#000' }); // error: unknown QR option

export { url, success, n, page, svg };
