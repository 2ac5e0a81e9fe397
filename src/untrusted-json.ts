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

/** What was wrong with JSON that had to be an object: the caller words it (code, file, hint). */
export type JsonObjectProblem = { problem: 'syntax'; message: string } | { problem: 'not-object' };

/**
 * Untrusted JSON that must be an object (a manifest, a config, an auth file, a registry's reply),
 * with the caller's error for text that does not parse or parses to something else; the syntax
 * message is safe to print (parseUntrustedJson).
 */
export function parseJsonObject(input: string | Buffer, fail: (problem: JsonObjectProblem) => Error): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseUntrustedJson(typeof input === 'string' ? input : input.toString('utf8'));
  } catch (err) {
    throw fail({ problem: 'syntax', message: (err as Error).message });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail({ problem: 'not-object' });
  return doc as Record<string, unknown>;
}
