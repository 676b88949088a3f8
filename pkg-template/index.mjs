// Node.js ESM entry: the same instance as the CommonJS entry, so a process
// that mixes import and require shares one module.
import epay from './index.cjs';

export const {
  EpayClient,
  EpayError,
  buildPayUrl,
  buildSubmitForm,
  sign,
  signOrder,
  signParams,
  toQrSvg,
  verifyNotify,
} = epay;
