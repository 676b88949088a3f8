// Helpers shared by the Node tests (not a test file itself).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

/** The seed document's public test account. */
export const TEST_PID = 1005;
export const TEST_KEY = '80TWQztHqTVvV440KTKVqVPQh11AkfpF';

/**
 * The V1 signature computed here with node:crypto, independently of the
 * package: md5 over the sorted non-empty fields but sign/sign_type, KEY appended.
 */
export function md5Sign(fields, key = TEST_KEY) {
  const text = Object.keys(fields)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && fields[k] !== '' && fields[k] != null)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return createHash('md5').update(text + key, 'utf8').digest('hex');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it returns something truthy; fails after `ms`. */
export async function waitFor(check, what, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
