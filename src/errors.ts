/**
 * Typed errors. Every failure a user can cause or meet surfaces as a HoistError with a stable
 * `code`, a message naming the thing that failed, and an optional hint. The CLI prints
 * `Error: <message>` (+ hint) and exits 125; unexpected errors keep their `cause`.
 *
 * This module is a leaf: every folder may import it.
 */

/**
 * Every error code. A code keeps its meaning forever: new codes are added at the end, and a code
 * that is no longer raised stays listed (docs/errors.md, where each is described, is checked
 * against this list by test/errors.test.ts).
 */
export const ERROR_CODES = [
  'INVALID_REFERENCE',
  'INVALID_DIGEST',
  'INVALID_TRANSPORT',
  'UNSUPPORTED_TRANSPORT',
  'INVALID_ARGUMENT',
  'IMAGE_NOT_KNOWN',
  'AMBIGUOUS_IMAGE',
  'IMAGE_IN_USE',
  'INVALID_MANIFEST',
  'UNSUPPORTED_MANIFEST',
  'NO_MATCHING_PLATFORM',
  'DIGEST_MISMATCH',
  'SIZE_MISMATCH',
  'SOURCE_NOT_FOUND',
  'INVALID_SOURCE',
  'INVALID_ARCHIVE',
  'INVALID_CONFIG',
  'STORE_CORRUPT',
  'STORE_LOCKED',
  'STORE_FULL',
  'UNAUTHORIZED',
  'DENIED',
  'MANIFEST_UNKNOWN',
  'NAME_UNKNOWN',
  'BLOB_UNKNOWN',
  'REGISTRY_ERROR',
  'TOO_MANY_REQUESTS',
  'CONNECTION_FAILED',
  'TLS_ERROR',
  'BLOCKED_REGISTRY',
  'SHORT_NAME',
  'INVALID_SIGNATURE',
  'POLICY_REJECTED',
  'PULL_FAILED',
  'ABORTED',
  'INTERNAL',
  'NOT_LOGGED_IN',
  'UNPACK_TARGET',
  'INVALID_LAYER',
  'NO_SPACE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The facts of a failure as fields, so a library user need not parse the message: which registry
 * and image, the HTTP status and the registry's own error codes, the URL (never with credentials
 * or a query), what was expected and what was found (digests, sizes), and where in a file.
 */
export interface ErrorDetails {
  registry?: string;
  reference?: string;
  status?: number;
  registryCodes?: readonly string[];
  url?: string;
  expected?: string | number;
  actual?: string | number;
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Every warning's code, so a program can tell a platform warning from a configuration warning
 * without reading words. Kept as ERROR_CODES is: new codes at the end, meanings never change
 * (docs/errors.md describes each).
 */
export const WARNING_CODES = [
  'CONFIG',
  'PLATFORM_MISMATCH',
  'DIGEST_REFETCH',
  'ENDPOINT_FALLBACK',
  'NEWER_CHECK_FAILED',
  'ALIAS_NOT_RECORDED',
  'SIGNATURES_NOT_READ',
  'SIGNATURE_SOURCE',
  'RETRY',
  'OWNERSHIP_NOT_RECORDED',
  'DEVICE_PLACEHOLDER',
  'XATTR_SKIPPED',
] as const;

export type WarningCode = (typeof WARNING_CODES)[number];

/** A warning as modules below the engine hand it up: its code and its one-line message. */
export interface Warning {
  code: WarningCode;
  message: string;
}

export interface HoistErrorOptions {
  hint?: string;
  cause?: unknown;
  /** True when trying the same operation again may succeed (network blips, 5xx, truncation). */
  retryable?: boolean;
  details?: ErrorDetails;
}

export class HoistError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly details: Readonly<ErrorDetails>;
  /**
   * The message as it is printed, one entry a line. A message given as a string is one line, even
   * if it quotes a line break from bytes hoist did not write: printers escape that break, so text
   * from a registry or a file can never start a line of its own (a forged `Error: …`). Only a
   * message built from lines (several failures, one per line) prints as several.
   */
  readonly lines: readonly string[];

  constructor(code: ErrorCode, message: string | readonly string[], options: HoistErrorOptions = {}) {
    const lines = typeof message === 'string' ? [message] : [...message];
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HoistError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
    this.lines = lines;
  }
}

/** The lines an error prints as: a HoistError's own, any other error's message as one line. */
export function messageLines(err: unknown): readonly string[] {
  if (err instanceof HoistError) return err.lines;
  return [err instanceof Error ? err.message : String(err)];
}

/** `heading`, then each item (the lines of one failure) as ` * ` and its first line, the rest indented under it. */
export function bulletedLines(heading: string, items: readonly (readonly string[])[]): string[] {
  return [heading, ...items.flatMap((lines) => lines.map((line, i) => `${i === 0 ? ' * ' : '   '}${line}`))];
}

/** Several failures at once (e.g. one per short-name candidate), reported Podman's way. */
export class MultiError extends HoistError {
  readonly errors: readonly Error[];

  constructor(errors: readonly Error[], code: ErrorCode = 'PULL_FAILED') {
    super(code, bulletedLines(`${errors.length} errors occurred while pulling:`, errors.map(messageLines)));
    this.errors = errors;
  }
}

export function isHoistError(err: unknown, code?: ErrorCode): err is HoistError {
  return err instanceof HoistError && (code === undefined || err.code === code);
}

/** An Error describing an aborted operation, as AbortSignal.reason would be. */
export function abortError(signal: AbortSignal): HoistError {
  const reason: unknown = signal.reason;
  return isHoistError(reason) ? reason : new HoistError('ABORTED', 'operation aborted', { cause: reason });
}

// Untrusted text in messages. Messages quote bytes hoist did not write (registry replies, file
// contents, signed claims); control and format characters among them (C0, DEL, C1, bidirectional
// overrides, zero-width characters, line separators) could drive a terminal or hide text, so
// messages show them escaped. One definition, for every folder.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/**
 * `text` with every control or format character written as `\uXXXX` (a pair of them beyond
 * U+FFFF), the escape JSON has too: applied to JSON text, it leaves JSON meaning the same.
 */
export function printable(text: string): string {
  // split('') gives UTF-16 code units, so a character beyond U+FFFF becomes its surrogate pair.
  return text.replace(UNPRINTABLE, (char) =>
    char
      .split('')
      .map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join(''),
  );
}

/** A double-quoted string, like Go's %q in upstream's messages, that never carries a raw control character. */
export function quoted(text: string): string {
  return printable(JSON.stringify(text));
}

/** At most `max` characters of `text`, with `…` when cut, never half a surrogate pair. */
export function clipped(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, /[\ud800-\udbff]/.test(text[max - 1]!) ? max - 1 : max);
  return `${head}…`;
}
