/**
 * PEM read the way Go's encoding/pem reads it (bodies as strict base64, src/base64.ts), for
 * cosign public keys and the keys inside Rekor entries: what upstream would refuse, hoist refuses.
 */

import { decodeStrictBase64 } from '../base64.js';

export interface PemBlock {
  /** The label, e.g. `PUBLIC KEY`. */
  type: string;
  der: Buffer;
  /** The text after the block's END line. */
  rest: string;
}

const BEGIN = /(?:^|\n)-----BEGIN ([^\r\n]*?)-----[ \t]*\r?\n/g;

/**
 * The first PEM block in `text` (text before it is skipped, as pem.Decode does), or undefined.
 * PEM headers (`Proc-Type:` …) are not read: no public key format uses them.
 */
export function decodePem(text: string): PemBlock | undefined {
  BEGIN.lastIndex = 0;
  for (let begin = BEGIN.exec(text); begin !== null; begin = BEGIN.exec(text)) {
    const type = begin[1]!;
    const bodyStart = begin.index + begin[0].length;
    const end = text.indexOf(`-----END ${type}-----`, bodyStart);
    if (end < 0) return undefined;
    // The END marker must start a line.
    if (end !== bodyStart && text[end - 1] !== '\n') continue;
    const der = decodeStrictBase64(text.slice(bodyStart, end).replace(/[ \t\r\n]/g, ''));
    if (der === undefined) continue;
    const rest = text.slice(end + `-----END ${type}-----`.length).replace(/^[ \t]*\r?\n/, '');
    return { type, der, rest };
  }
  return undefined;
}
