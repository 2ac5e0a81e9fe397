import { HoistError } from '../../errors.js';

/**
 * Parses `--creds USER[:PASS]`. The password may itself contain colons. Without `:PASS` the
 * password is undefined, so the CLI can prompt for it as Podman does.
 */
export function parseCredsFlag(value: string): { username: string; password?: string } {
  const colon = value.indexOf(':');
  const username = colon < 0 ? value : value.slice(0, colon);
  if (username === '') throw new HoistError('INVALID_ARGUMENT', '--creds: the user name is empty', { hint: 'use --creds USER[:PASSWORD]' });
  return colon < 0 ? { username } : { username, password: value.slice(colon + 1) };
}
