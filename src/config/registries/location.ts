import type { ConfigDiagnostics } from '../diagnostics.js';
import type { KeyPath } from '../toml-keys.js';

/** A `location` or `prefix` without trailing slashes; URI schemes are refused, as containers/image does. */
export function normalizeLocation(diag: ConfigDiagnostics, path: KeyPath, input: string): string {
  const trimmed = input.replace(/\/+$/, '');
  if (trimmed.startsWith('http://') || trimmed.startsWith('https://')) {
    throw diag.error(path, `invalid location '${input}': URI schemes are not supported`);
  }
  return trimmed;
}
