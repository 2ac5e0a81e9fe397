import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { detectCompression, MAGIC_BYTES } from '../archive/index.js';
import { abortError, HoistError } from '../errors.js';
import { invalidLayer, type LayerInput } from './layer-input.js';

// A layer whose tar is this much larger than its compressed bytes is a bomb, not an image: real
// layers expand 2–10×, zeros in gzip at most ~1030× (so a gzip bomb passes this bound within a
// few KiB of the ratio), zstd far more. node-tar's maxDecompressionRatio is 1000 too; the fixed
// allowance keeps small layers of empty files (a tar is 512-byte blocks) from tripping it.
const MAX_EXPANSION = 1000;
const EXPANSION_ALLOWANCE = 64 * 1024 * 1024;

/** Decompressed bytes read ahead of the application, so decompression overlaps the writes (more bought no speed, measured, and cost RSS). */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
const FILE_CHUNK_BYTES = 256 * 1024;

export interface LayerBytes {
  /** The layer's tar, decompressed, in order. Iterate once. */
  chunks: AsyncIterable<Buffer>;
  /** Reads what is left after the tar's end and checks the diff_id of all of it (DIGEST_MISMATCH). */
  finish(): Promise<void>;
  /** Stops reading (on failure); idempotent. */
  close(): void;
}

/** zstd: Node's own decoder where it has one (Node ≥ 22.15), else fzstd's, loaded only for a zstd layer. */
async function zstdDecompressor(): Promise<Transform> {
  const native = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (native !== undefined) return native();
  const { Decompress } = await import('fzstd');
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.push(chunk);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        decoder.push(new Uint8Array(0), true);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  // fzstd hands out views of its own window; copy each, as the tar reader keeps them.
  const decoder = new Decompress((data) => transform.push(Buffer.from(data)));
  return transform;
}

async function decompressor(file: FileHandle, layer: LayerInput): Promise<Transform | undefined> {
  const head = Buffer.alloc(MAGIC_BYTES);
  const { bytesRead } = await file.read(head, 0, MAGIC_BYTES, 0);
  const compression = detectCompression(head.subarray(0, bytesRead));
  switch (compression) {
    case 'none':
      return undefined;
    case 'gzip':
      return zlib.createGunzip({ chunkSize: 256 * 1024 });
    case 'zstd':
      return zstdDecompressor();
    default:
      throw invalidLayer(layer, `it is ${compression}-compressed, which OCI layers are not`);
  }
}

/**
 * The bytes of one stored layer, decompressed, hashed for its diff_id and counted against the
 * expansion bound as they pass, read ahead into memory up to READ_AHEAD_BYTES from the moment this
 * is called, so the next layer decompresses while the current one is being written.
 */
export async function openLayerBytes(
  file: FileHandle,
  layer: LayerInput,
  signal: AbortSignal | undefined,
  onRead: (compressedBytes: number) => void,
): Promise<LayerBytes> {
  const decompress = await decompressor(file, layer);
  const source: Readable = createReadStream('', { fd: file, start: 0, highWaterMark: FILE_CHUNK_BYTES, autoClose: false });
  let compressed = 0;
  source.on('data', (chunk: Buffer) => {
    compressed += chunk.length;
    onRead(compressed);
  });
  const stream: Readable = decompress === undefined ? source : source.pipe(decompress);
  if (decompress !== undefined) source.on('error', (err) => decompress.destroy(err));
  const limit = MAX_EXPANSION * layer.size + EXPANSION_ALLOWANCE;
  const hash = createHash('sha256');
  let total = 0;
  const kind = decompress === undefined ? 'tar' : 'compressed';

  const failure = (err: unknown): Error => {
    if (signal?.aborted) return abortError(signal);
    if (err instanceof HoistError) return err;
    return invalidLayer(layer, `its ${kind} stream is corrupt: ${(err as Error).message}`, err);
  };

  // Read ahead: a pump moves chunks into a queue while the queue holds less than READ_AHEAD_BYTES.
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > limit) {
      stream.destroy(invalidLayer(layer, `it decompresses to more than ${limit} bytes (${MAX_EXPANSION}× its ${layer.size} bytes): a decompression bomb`));
      return;
    }
    hash.update(chunk);
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= READ_AHEAD_BYTES) stream.pause();
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('error', (err) => {
    error = failure(err);
    notify();
  });
  const onAbort = () => stream.destroy(abortError(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });

  async function* pull(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        if (queued < READ_AHEAD_BYTES / 2 && stream.isPaused()) stream.resume();
        yield chunk;
        continue;
      }
      if (error !== undefined) throw error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  const chunks = pull();
  return {
    chunks,
    async finish() {
      for await (const _ of chunks); // the bytes after the tar's end count toward the diff_id too, as umoci's check has it
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== layer.diffId) {
        throw new HoistError('DIGEST_MISMATCH', `layer ${layer.index + 1} (${layer.digest}): diffid mismatch: got ${actual}, expected ${layer.diffId}`, {
          hint: 'the stored layer is damaged or the image config lies; pull the image again (`hoist rmi` it first)',
          details: { reference: layer.digest, expected: layer.diffId, actual },
        });
      }
    },
    close() {
      signal?.removeEventListener('abort', onAbort);
      stream.destroy();
      source.destroy();
    },
  };
}
