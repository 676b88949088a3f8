// What a Vite/esbuild/webpack TypeScript project sees: moduleResolution
// "bundler" does not set the "node" condition, so `epay-wasm` resolves
// through exports["."].default -> web.d.mts, like bundle-entry.mjs.
import init, { EpayError, signOrder, type InitOutput, type SignedParams } from 'epay-wasm';

const output: InitOutput = await init();
const signed: SignedParams = signOrder(
  {
    pid: 1001,
    out_trade_no: 'ORDER001',
    notify_url: 'https://example.com/notify',
    return_url: 'https://example.com/return',
    name: 'Test Product',
    money: '10.00',
  },
  'server-only-key',
);
const isEpay: boolean = output instanceof EpayError;

// @ts-expect-error init resolves to InitOutput, not a string
const wrong: string = await init();

export const used = [signed, isEpay, wrong];
