// Node.js ESM entry: the same instance as the CommonJS entry, so a process
// that mixes import and require shares one module.
import epay from './index.cjs';

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
