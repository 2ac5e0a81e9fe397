import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  SIGSTORE_CERTIFICATE_ANNOTATION,
  SIGSTORE_CHAIN_ANNOTATION,
  SIGSTORE_SET_ANNOTATION,
  SIGSTORE_SIGNATURE_ANNOTATION,
} from '../../src/trust/sigstore.js';
import { bundle, type TestCertificate } from './certificates.js';

/**
 * Certificate-based cosign signatures, as `cosign sign` stores them (keyless with Fulcio, or
 * `--certificate` with one's own PKI): the signature by the leaf's key over the payload, the leaf
 * and its chain in annotations, and the Rekor SET cosign receives from the log, built here with a
 * test log key exactly as the existing key-based SET tests build theirs.
 */

export interface RekorLog {
  privateKey: KeyObject;
  /** PEM, for a policy's rekorPublicKeyPath / rekorPublicKeyData. */
  publicPem: Buffer;
}

export function rekorLog(): RekorLog {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicPem: Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string) };
}

export interface SetOptions {
  log: RekorLog;
  /** The PEM the log records as the signer's "public key": for keyless, the leaf certificate. */
  certificatePem: string;
  base64Signature: string;
  payload: Buffer;
  /** Unix seconds: when the log says it recorded the signature. */
  integratedTime: number;
}

/** A Rekor SET for a hashedrekord v0.0.1 entry, signed by `log` over its canonical (RFC 8785) Payload. */
export function rekorBundle({ log, certificatePem, base64Signature, payload, integratedTime }: SetOptions): string {
  const body = {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') } },
      signature: { content: base64Signature, publicKey: { content: Buffer.from(certificatePem).toString('base64') } },
    },
  };
  // Members in RFC 8785 order, no whitespace: this text is the canonical form the log signs.
  const setPayload = {
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    integratedTime,
    logID: 'c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d',
    logIndex: 42,
  };
  const signed = sign('sha256', Buffer.from(JSON.stringify(setPayload)), log.privateKey).toString('base64');
  return JSON.stringify({ SignedEntryTimestamp: signed, Payload: setPayload });
}

export interface KeylessOptions {
  leaf: TestCertificate;
  /** The chain annotation: intermediates, then the root, as cosign writes it; none when absent. */
  chain?: TestCertificate[];
  /** Signs a SET into the bundle annotation; no bundle when absent (PKI needs none). */
  log?: RekorLog;
  integratedTime?: number;
  payload: Buffer;
  /** The key that signs the payload; default the leaf's. */
  signer?: KeyObject;
}

/** The annotations of the signature layer. */
export function keylessAnnotations(options: KeylessOptions): Record<string, string> {
  const base64Signature = sign('sha256', options.payload, options.signer ?? options.leaf.privateKey).toString('base64');
  const annotations: Record<string, string> = { [SIGSTORE_SIGNATURE_ANNOTATION]: base64Signature, [SIGSTORE_CERTIFICATE_ANNOTATION]: options.leaf.pem };
  if (options.chain !== undefined) annotations[SIGSTORE_CHAIN_ANNOTATION] = bundle(...options.chain);
  if (options.log !== undefined) {
    const integratedTime = options.integratedTime ?? Math.floor(Date.now() / 1000);
    annotations[SIGSTORE_SET_ANNOTATION] = rekorBundle({
      log: options.log,
      certificatePem: options.leaf.pem,
      base64Signature,
      payload: options.payload,
      integratedTime,
    });
  }
  return annotations;
}
