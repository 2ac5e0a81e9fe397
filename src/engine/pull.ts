import { abortError, HoistError, isHoistError } from '../errors.js';
import { parseTransportName } from '../transports/index.js';
import { copyFromLocal } from './copy-local.js';
import { copyFromRegistry } from './copy-registry.js';
import type { PulledImage, PullOptions } from './options.js';
import { createPullContext } from './pull-context.js';
import { PullSummary } from './pull-summary.js';

/**
 * Pulls the image NAME names into the store: `docker://` or bare registry names, `oci:`, `dir:`,
 * `docker-archive:`, `oci-archive:`. Returns one entry per pulled image (several with allTags).
 */
export async function pull(name: string, options: PullOptions = {}): Promise<PulledImage[]> {
  const summary = new PullSummary(options.onEvent ?? (() => undefined));
  let images: PulledImage[];
  try {
    images = await pullImages(name, { ...options, onEvent: summary.listener });
  } catch (err) {
    // However deep the abort met the pull (a fetch, a file read, a timer), the caller gets one
    // kind of error for it: ABORTED, with the signal's reason as its cause.
    if (options.signal?.aborted && !isHoistError(err, 'ABORTED')) throw abortError(options.signal);
    throw err;
  }
  summary.report(images);
  return images;
}

async function pullImages(name: string, options: PullOptions): Promise<PulledImage[]> {
  const named = parseTransportName(name);
  const ctx = await createPullContext(options);
  if (named.kind === 'registry') return copyFromRegistry(named.parsed.pullName, ctx);
  if (options.allTags) throw new HoistError('INVALID_ARGUMENT', `--all-tags applies to registry images only, not ${named.transport.name}: transport`);
  return [await copyFromLocal(named.transport, named.parsed, ctx)];
}
