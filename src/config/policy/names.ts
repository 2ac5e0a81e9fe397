/** What docker names in a policy may look like: the checks scopes and identities share. */
import { isHoistError } from '../../errors.js';
import { formatReference, parseReference, parseReferenceParts } from '../../reference/index.js';
import { escapeForMessage } from './json.js';

export function fullName(name: string): string {
  try {
    return formatReference(parseReference(name));
  } catch {
    return 'docker.io/library/busybox';
  }
}

/** DNS-style labels: what `*.` may be followed by (the port is stripped before wildcards are formed). */
export function isHostName(host: string): boolean {
  return host.split('.').every((label) => /^[A-Za-z0-9-]+$/.test(label) && !label.startsWith('-') && !label.endsWith('-'));
}

/** `host[:port]` as the first component of an image name: with a '.' or a port, or `localhost`. */
export function isRegistryHost(text: string): boolean {
  if (text.includes('/')) return false;
  try {
    return parseReferenceParts(`${text}/x`).domain === text;
  } catch {
    return false;
  }
}

/** The reference module's reason without its `invalid reference "<input>": ` prefix (the caller shows the input). */
export function referenceProblem(err: unknown, input: string): string {
  if (!isHoistError(err, 'INVALID_REFERENCE')) throw err;
  const prefix = `invalid reference ${JSON.stringify(input)}: `;
  return escapeForMessage(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
}
