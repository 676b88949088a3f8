// The V2 signature, SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256, base64),
// on node:crypto only, over the same sign string as V1 (signature.mjs).
// Keys: the platform's private key (PEM) and the merchants' public keys (PEM
// or the bare base64 SPKI DER a merchant panel shows). A key's text is never
// put in an error message.

import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signText } from './signature.mjs';

const keyFile = (name) => fileURLToPath(new URL(`../keys/${name}`, import.meta.url));

/**
 * The published TEST key files shipped in keys/ (absolute paths): never for
 * real payments, anyone can sign with them.
 */
export const TEST_KEY_FILES = Object.freeze({
  platformPrivateKey: keyFile('platform.pem'),
  platformPublicKey: keyFile('platform-public.pem'),
  merchant1005PrivateKey: keyFile('merchant-1005.pem'),
  merchant1005PublicKey: keyFile('merchant-1005-public.pem'),
});

const BARE_BASE64_RE = /^[A-Za-z0-9+/=\s]+$/;

function requireRsa(key, what) {
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`${what}: not an RSA key (${key.asymmetricKeyType})`);
  return key;
}

/** An RSA private key from PEM text (PKCS#8 or PKCS#1); throws naming `what`, never showing the key. */
export function loadPrivateKey(text, what) {
  if (typeof text !== 'string' || !text.includes('-----BEGIN')) throw new Error(`${what}: a PEM private key is required`);
  let key;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new Error(`${what}: not a readable PEM private key`);
  }
  return requireRsa(key, what);
}

/** An RSA public key from PEM text or bare base64 SPKI DER; throws naming `what`, never showing the key. */
export function loadPublicKey(text, what) {
  if (typeof text !== 'string' || text.trim() === '') throw new Error(`${what}: a PEM or base64 public key is required`);
  // createPublicKey() would derive the public half of a private key: refuse one instead.
  if (text.includes('PRIVATE KEY-----')) throw new Error(`${what}: a public key is required, not a private key`);
  let key;
  try {
    key = text.includes('-----BEGIN') ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(BARE_BASE64_RE.test(text) ? text : '', 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error(`${what}: not a PEM or base64 SPKI public key`);
  }
  return requireRsa(key, what);
}

/** The base64 SHA256withRSA signature of `fields`' sign string under `privateKey` (a KeyObject). */
export function rsaSign(fields, privateKey) {
  return sign('sha256', Buffer.from(signText(fields), 'utf8'), privateKey).toString('base64');
}

/** Whether `signature` (base64) is `publicKey`'s SHA256withRSA signature of `fields`' sign string. */
export function rsaVerify(fields, publicKey, signature) {
  if (typeof signature !== 'string' || signature === '') return false;
  try {
    return verify('sha256', Buffer.from(signText(fields), 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * The platform key pair: signs answers, V2 notifies and return redirects.
 * `pem` is a private key in PEM; default: the published test key.
 */
export class PlatformKey {
  #privateKey;

  constructor(pem) {
    this.#privateKey = loadPrivateKey(pem ?? readFileSync(TEST_KEY_FILES.platformPrivateKey, 'utf8'), 'platformKey');
    const publicKey = createPublicKey(this.#privateKey);
    /** The public key as SPKI PEM. */
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' });
    /** The public key as bare base64 SPKI DER (how merchant panels show it). */
    this.publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  /** The base64 signature of `fields` (scalar fields but sign/sign_type; arrays and objects skipped). */
  sign(fields) {
    return rsaSign(fields, this.#privateKey);
  }
}
