import { abortError, HoistError, isHoistError, quoted } from '../errors.js';
import { UnpackNotes, Attributes } from './attributes.js';
import { EntryWriteError, LayerApplier } from './apply-layer.js';
import { openLayerBytes, type LayerBytes } from './layer-bytes.js';
import type { UnpackOptions, UnpackResult } from './options.js';
import { writeRuntimeConfig } from './runtime-config.js';
import { openStoredImage } from './stored-image.js';
import { prepareTarget } from './target-dir.js';

const PROGRESS_INTERVAL_MS = 250;

/** An errno the file system gave while writing DIR, as the error the user reads. */
export function writeFailure(err: unknown, dir: string): unknown {
  if (err instanceof HoistError) return err;
  const errno = err instanceof EntryWriteError ? err.errno : (err as NodeJS.ErrnoException);
  if (errno?.code === undefined && !(err instanceof EntryWriteError)) return err;
  const what = err instanceof EntryWriteError ? ` (writing ${quoted(err.entryName)})` : '';
  if (errno.code === 'ENOSPC' || errno.code === 'EDQUOT') {
    return new HoistError('NO_SPACE', `no space left on the file system of ${quoted(dir)}${what}`, { details: { file: dir }, cause: err });
  }
  return new HoistError('UNPACK_TARGET', `cannot write into ${quoted(dir)}${what}: ${errno.message}`, { details: { file: dir }, cause: err });
}

/**
 * Applies the layers of a stored image, in order, into DIR (absent or empty), or makes DIR an OCI
 * runtime bundle (DIR/rootfs and DIR/config.json). Each layer's tar is checked against its
 * diff_id as it is applied; the next layer is read and decompressed while this one is written.
 * On any failure or abort, what this unpack wrote is removed before the error is thrown.
 */
export async function unpack(image: string, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const started = performance.now();
  const { signal, onEvent } = options;
  if (signal?.aborted) throw abortError(signal);
  const opened = await openStoredImage(image, options, 'unpack()');
  const { record, config, layers } = opened;
  let target: ReturnType<typeof prepareTarget> | undefined;
  const reading: LayerBytes[] = [];
  let next: Promise<LayerBytes> | undefined;
  try {
    target = prepareTarget(dir, options.bundle === true);
    onEvent?.({ type: 'unpack-start', id: record.id, layers: layers.length });
    const notes = new UnpackNotes();
    const applier = new LayerApplier(target.rootfs, new Attributes(notes), notes, signal);
    const open = (i: number) => {
      const { layer, file } = layers[i]!;
      let reported = 0;
      return openLayerBytes(file, layer, signal, (bytes) => {
        const now = performance.now();
        if (now - reported < PROGRESS_INTERVAL_MS && bytes < layer.size) return;
        reported = now;
        onEvent?.({ type: 'layer-progress', index: layer.index, digest: layer.digest, bytes, size: layer.size });
      });
    };
    next = layers.length > 0 ? open(0) : undefined;
    for (let i = 0; i < layers.length; i++) {
      const { layer } = layers[i]!;
      const bytes = await next!;
      reading.push(bytes);
      next = i + 1 < layers.length ? open(i + 1) : undefined;
      // A layer opened ahead that fails to open must not go unheard while this one is written.
      next?.catch(() => {});
      onEvent?.({ type: 'layer-start', index: layer.index, digest: layer.digest, size: layer.size });
      const entries = await applier.apply(layer, bytes.chunks);
      await bytes.finish();
      onEvent?.({ type: 'layer-done', index: layer.index, digest: layer.digest, entries });
    }
    applier.finish();
    const runtimeConfig = options.bundle ? writeRuntimeConfig(target.dir, config) : undefined;
    if (signal?.aborted) throw abortError(signal);
    const warnings = notes.warnings();
    for (const warning of warnings) onEvent?.({ type: 'warning', ...warning });
    onEvent?.({ type: 'unpack-done', id: record.id, seconds: (performance.now() - started) / 1000 });
    return { id: record.id, rootfs: target.rootfs, ...(runtimeConfig !== undefined ? { runtimeConfig } : {}), layers: layers.length, warnings };
  } catch (err) {
    for (const bytes of reading) bytes.close();
    next?.then(
      (bytes) => bytes.close(),
      () => {},
    );
    target?.discard();
    if (signal?.aborted && !isHoistError(err, 'NO_SPACE')) throw abortError(signal);
    throw writeFailure(err, dir);
  } finally {
    await opened.close();
  }
}
