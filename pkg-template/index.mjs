// Node.js ESM entry: the same instance as the CommonJS entry, so a process
// that mixes import and require shares one module. Loaded with require
// rather than `import … from './index.cjs'`: importing a CommonJS file
// makes Node parse it, and the files it spreads into its exports, for
// export names this entry does not use (~4 ms of a cold import:
// bench/README.md, ledger).
import { createRequire } from 'node:module';

const epay = createRequire(import.meta.url)('./index.cjs');

export const {
  EpayClient,
  EpayClientV2,
  EpayError,
  buildPayUrl,
  buildPayUrlV2,
  buildSubmitForm,
  buildSubmitFormV2,
  createNodeNotifyHandler,
  createNotifyHandler,
  sign,
  signOrder,
  signParams,
  signV2,
  toQrSvg,
  verifyNotify,
  verifyNotifyV2,
} = epay;
