import { HoistError, type ErrorCode } from '../errors.js';
import { discard, type ResponseBody } from './body.js';
import { parseRetryAfter, RetryAfterError } from './retry.js';
import { shownUrl } from './urls.js';

/** Registry error bodies are read this far and no further: enough for any real `{"errors":[…]}`. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** What a failed request was for, to name it in the error. */
export interface RequestSubject {
  kind: 'ping' | 'manifest' | 'blob' | 'tags' | 'token';
  /** The registry as the user named it (e.g. `docker.io`, `127.0.0.1:5000`). */
  registry: string;
  /** The image, digest or repository concerned, as the user would write it. */
  name: string;
  /** Where the credentials in use came from; undefined when anonymous. */
  credentialsSource?: string;
}

export interface RegistryErrorBody {
  codes: string[];
  messages: string[];
}

/** Reads at most MAX_ERROR_BODY_BYTES of an error response and extracts `{"errors":[…]}`. */
export async function readErrorBody(body: ResponseBody): Promise<RegistryErrorBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    // A broken error body still leaves the status code to report.
  } finally {
    discard(body);
  }
  const text = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8');
  try {
    const doc = JSON.parse(text) as { errors?: unknown };
    const errors = Array.isArray(doc.errors) ? (doc.errors as Record<string, unknown>[]) : [];
    return {
      codes: errors.map((e) => String(e?.code ?? '')).filter((c) => c !== ''),
      messages: errors.map((e) => String(e?.message ?? e?.code ?? '')).filter((m) => m !== ''),
    };
  } catch {
    return { codes: [], messages: [] };
  }
}

/** Maps an HTTP error status (and the registry's error body) to one clear HoistError. */
export function statusError(
  subject: RequestSubject,
  status: number,
  body: RegistryErrorBody,
  headers: Record<string, string | string[] | undefined>,
  url?: URL,
): HoistError {
  const said = (message: string) => message + registrySaid(message, body);
  const details = {
    registry: subject.registry,
    reference: subject.name,
    status,
    registryCodes: body.codes,
    ...(url !== undefined ? { url: shownUrl(url) } : {}),
  };
  const make = (code: ErrorCode, message: string, extra: { hint?: string; retryable?: boolean } = {}) =>
    new HoistError(code, said(message), { ...extra, details });
  if (status === 401) {
    return make('UNAUTHORIZED', `unauthorized: authentication required for ${subject.registry}`, {
      hint:
        subject.credentialsSource !== undefined
          ? `the registry refused the credentials from ${subject.credentialsSource}, or they do not grant access to ${subject.name}`
          : `log in: hoist login ${subject.registry}, or pass --creds USER:PASSWORD, or add credentials for ${subject.registry} to an auth file (--authfile, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json)`,
    });
  }
  // 403 is not 401: the registry knows who asks (or that nobody does) and says no, so new
  // credentials help only where there were none.
  if (status === 403) {
    return make('DENIED', `denied: ${subject.registry} refused access to ${subject.name} (403 Forbidden)`, {
      hint:
        subject.credentialsSource !== undefined
          ? `the credentials from ${subject.credentialsSource} were accepted but do not grant access to ${subject.name}; check the name, or ask for access`
          : `the registry does not let anonymous clients read ${subject.name}: pass --creds USER:PASSWORD, or add credentials for ${subject.registry} to an auth file`,
    });
  }
  if (status === 404) {
    if (body.codes.includes('NAME_UNKNOWN') || subject.kind === 'tags') return make('NAME_UNKNOWN', `name unknown: ${subject.name}`);
    if (subject.kind === 'blob') return make('BLOB_UNKNOWN', `blob unknown: ${subject.name}`);
    if (subject.kind === 'manifest') return make('MANIFEST_UNKNOWN', `manifest unknown: ${subject.name}`);
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const error =
    status === 429
      ? make('TOO_MANY_REQUESTS', `too many requests to ${subject.registry} (429) for ${subject.name}`, { retryable })
      : make('REGISTRY_ERROR', `${subject.registry} answered ${status} for ${describe(subject)}`, { retryable });
  return retryable ? new RetryAfterError(error, parseRetryAfter(headers['retry-after'])) : error;
}

function describe(subject: RequestSubject): string {
  return subject.kind === 'ping' ? 'the API check (/v2/)' : subject.kind === 'token' ? `a token for ${subject.name}` : `${subject.kind} ${subject.name}`;
}

/** `: registry said "…"`, unless the message already says what the registry said. */
function registrySaid(message: string, body: RegistryErrorBody): string {
  const news = body.messages.filter((m) => !message.toLowerCase().includes(m.toLowerCase()));
  return news.length === 0 ? '' : `: registry said ${news.map((m) => JSON.stringify(m)).join(', ')}`;
}
