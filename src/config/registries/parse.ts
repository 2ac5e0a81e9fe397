/** One registries.conf file: TOML → validated layer, every error pointing at `file:line:col`. */
import { ConfigDiagnostics } from '../diagnostics.js';
import { parseTomlText } from '../toml.js';
import { decodeRegistriesFile } from './decode.js';
import type { ConfLayer } from './types.js';
import { convertV1 } from './v1.js';
import { validateFile } from './validate.js';

const HINT = 'see containers-registries.conf(5)';

export interface ParseFileOptions {
  /** Drop-ins (registries.conf.d) must use the v2 format. */
  dropIn: boolean;
}

export function parseRegistriesFile(text: string, file: string, { dropIn }: ParseFileOptions): ConfLayer {
  const diag = new ConfigDiagnostics(file, text, HINT);
  const decoded = decodeRegistriesFile(parseTomlText(text, file, HINT), diag);
  const v1 = decoded.v1;
  if (v1 === undefined) return validateFile(decoded.v2, diag);

  const v1Path = ['registries', (['search', 'insecure', 'block'] as const).find((list) => v1[list] !== undefined)!];
  if (dropIn) throw diag.error(v1Path, 'registry must be in v2 format but is in v1');
  if (decoded.hasV2) throw diag.error(v1Path, 'mixing sysregistry v1/v2 is not supported');
  diag.warn(
    v1Path,
    'the v1 format ([registries.search], [registries.insecure], [registries.block]) is deprecated; ' +
      'use unqualified-search-registries and [[registry]] tables instead',
  );
  return validateFile(convertV1(v1, diag), diag);
}
