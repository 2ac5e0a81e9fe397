import { clipped, HoistError, quoted, type ErrorCode } from '../errors.js';

/** How much of a bad URL a message shows. */
const MAX_SHOWN = 200;

/**
 * Parses a URL that hoist did not write (a token realm, a redirect's Location, a pagination link,
 * a registry address from an image name or registries.conf). `new URL` throws a bare
 * `TypeError: Invalid URL`, which names neither the URL nor where it came from; this says `what`
 * was being parsed instead. The message leaves out any query: redirect targets carry signed query
 * strings that act as secrets.
 */
/** A URL fit for messages and error details: scheme, host and path; never credentials or a query (signed queries act as secrets). */
export function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function parseUrl(text: string, base: URL | string | undefined, what: string, code: ErrorCode = 'REGISTRY_ERROR'): URL {
  try {
    return new URL(text, base);
  } catch {
    const query = text.indexOf('?');
    const shown = query === -1 ? text : `${text.slice(0, query)}?…`;
    throw new HoistError(code, `${what} is not a valid URL: ${quoted(clipped(shown, MAX_SHOWN))}`);
  }
}
