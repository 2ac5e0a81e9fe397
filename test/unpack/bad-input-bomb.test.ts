import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { sha256 } from '../helpers/images.js';
import { makeTar } from '../helpers/tar.js';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { assertUnpackFails, badInputStore, freshParent, type BadInputStore } from './bad-input-support.js';

// A gzip bomb must fail at the bound (1000 × the compressed size + 64 MiB) with INVALID_LAYER.
// Deflate cannot pass ~1030:1, so the stream has to inflate to about 2.5 GiB before the bound is
// crossed: this file is on its own so that it runs beside the other tests, not after them.

const SEGMENT = 16 * 1024 * 1024;
const SEGMENTS = 160;

/**
 * A valid gzip member: a small tar, then 160 × 16 MiB of zeros after the tar's end (so a bound
 * that is not enforced shows as a success or a diffid mismatch, never as a disk filled). Each
 * 16 MiB of zeros is compressed once and the identical segment repeated: deflate segments that end
 * with a full flush are byte-aligned and keep no history, so their concatenation is one valid
 * stream. The trailer's CRC-32 and size are right, so no gzip error can stand in for the bound.
 * The diff_id is not the stream's (hashing 2.5 GiB would cost seconds): were the bound not
 * enforced, the unpack would fail as DIGEST_MISMATCH, which this test does not accept either.
 */
function gzipBomb(): { blob: Buffer; compressed: number; inflated: number } {
  const head = makeTar([{ name: 'etc/bomb', data: 'boom\n' }]);
  const flush = { level: 9, finishFlush: constants.Z_FULL_FLUSH };
  const zeros = Buffer.alloc(SEGMENT);
  const segment = deflateRawSync(zeros, flush);
  let crc = crc32(head);
  for (let i = 0; i < SEGMENTS; i++) crc = crc32(zeros, crc);
  const inflated = head.length + SEGMENT * SEGMENTS;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(inflated % 2 ** 32, 4);
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const blob = Buffer.concat([
    header,
    deflateRawSync(head, flush),
    ...Array.from({ length: SEGMENTS }, () => segment),
    deflateRawSync(Buffer.alloc(0)),
    trailer,
  ]);
  return { blob, compressed: blob.length, inflated };
}

let scratch: string;
let store: BadInputStore;
let image: string;
let bomb: ReturnType<typeof gzipBomb>;

before(async () => {
  scratch = await makeTempDir();
  store = await badInputStore(scratch);
  bomb = gzipBomb();
  image = await store.add('gzip-bomb', [{ blob: bomb.blob, diffId: sha256('not the stream') }]);
});
after(() => removeDir(scratch));

test('a gzip bomb (2.5 GiB of zeros from 2.5 MB) fails at the bound: INVALID_LAYER, DIR removed', async () => {
  assert.ok(bomb.inflated > 1000 * bomb.compressed + 64 * 1024 * 1024, `the bomb passes the bound (${bomb.inflated} from ${bomb.compressed})`);
  await assertUnpackFails(store, image, join(await freshParent(scratch, 'bomb'), 'dir'), 'INVALID_LAYER');
});
