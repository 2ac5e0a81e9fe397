import { HoistError, quoted } from '../errors.js';

/**
 * Splits a local transport's `PATH[:REF]` at the first colon, as containers/image does, so a
 * reference may itself hold colons (`oci:dir:docker.io/library/fedora:latest`) and a path may not.
 */
export function splitPathAndReference(rest: string): { path: string; ref?: string } {
  const colon = rest.indexOf(':');
  if (colon === 0) throw new HoistError('INVALID_TRANSPORT', `invalid image name ${quoted(rest)}: the path before ":" is empty`);
  if (colon < 0) return { path: rest };
  const ref = rest.slice(colon + 1);
  return ref === '' ? { path: rest.slice(0, colon) } : { path: rest.slice(0, colon), ref };
}

/** `@N`, the position of an image in a layout or an archive (0-based); undefined for any other selector. */
export function parsePosition(selector: string, description: string): number | undefined {
  if (!selector.startsWith('@')) return undefined;
  if (!/^\d+$/.test(selector.slice(1))) {
    throw new HoistError('INVALID_REFERENCE', `${description}: invalid image position ${quoted(selector)}: expected @N with N a number`);
  }
  return Number(selector.slice(1));
}
