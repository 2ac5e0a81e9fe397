/**
 * JSON.parse for bytes hoist did not write: manifests, configs, archive and layout indexes, auth
 * files, helper replies. A leaf beside errors.ts, so every folder may use it.
 */
import { printable } from './errors.js';

/**
 * Parses JSON text. V8's syntax errors quote a piece of the input (`Unexpected token 'x', "{"a":…"
 * is not valid JSON`), escape sequences and line breaks included; the SyntaxError thrown here says
 * the same with those shown escaped, so a message that quotes it is safe to print.
 */
export function parseUntrustedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(printable((err as Error).message));
  }
}
