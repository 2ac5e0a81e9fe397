/**
 * Base64 as Go's encoding/base64 StdEncoding reads it: the standard alphabet, with padding.
 * Buffer.from(text, 'base64') would skip junk and missing padding silently, so every reader of
 * base64 that upstream decodes strictly (auth files, policy key data, signatures, PEM bodies) checks
 * with this first. A leaf like errors.ts, so that every folder may use it.
 */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isStrictBase64(text: string): boolean {
  return STRICT_BASE64.test(text);
}

/** The bytes of `text`, ignoring line breaks as Go's decoder does; undefined when it is not strict base64. */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  return isStrictBase64(compact) ? Buffer.from(compact, 'base64') : undefined;
}
