/**
 * PEM and base64 read the way Go's encoding/pem and encoding/base64 (StdEncoding) read them, for
 * cosign public keys and the keys inside Rekor entries: what upstream would refuse, hoist refuses.
 */

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
    const der = decodeBase64(text.slice(bodyStart, end).replace(/[ \t\r\n]/g, ''));
    if (der === undefined) continue;
    const rest = text.slice(end + `-----END ${type}-----`.length).replace(/^[ \t]*\r?\n/, '');
    return { type, der, rest };
  }
  return undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard alphabet with padding; line breaks are ignored (as Go's decoder ignores \r and \n). */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  return BASE64.test(compact) ? Buffer.from(compact, 'base64') : undefined;
}
