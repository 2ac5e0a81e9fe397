import { HoistError } from '../errors.js';

/** The one error shape for a malformed or hostile archive: it always names the archive. */
export function invalidArchive(archivePath: string, detail: string, hint?: string): HoistError {
  return new HoistError('INVALID_ARCHIVE', `invalid archive ${archivePath}: ${detail}`, hint === undefined ? {} : { hint });
}
