import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { HoistError } from '../../src/errors.js';
import { VerifyingFileSink } from '../../src/store/verifying-sink.js';
import { sha256 } from '../helpers/images.js';
import { withTempDir } from '../helpers/tmp.js';

const KiB = 1024;

/** Runs `fn` with a fresh file open for writing, then returns what the file holds. */
function withBlobFile(fn: (file: FileHandle) => void | Promise<void>): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const path = join(dir, 'blob');
    const file = await open(path, 'wx');
    try {
      await fn(file);
    } finally {
      await file.close();
    }
    return readFile(path);
  });
}

type WriteSync = (fd: number, buffer: Buffer, offset: number, length: number) => number;

/**
 * Runs `fn` with write(2) on descriptor `fd` going through `replacement` (given the real write):
 * the sink's named import of writeSync follows, through syncBuiltinESMExports.
 */
function interceptWrites(fd: number, replacement: (write: WriteSync, buffer: Buffer, offset: number, length: number) => number, fn: () => void): void {
  const original = fs.writeSync;
  const real = original as unknown as WriteSync;
  fs.writeSync = ((target: number, ...args: unknown[]) =>
    target === fd
      ? replacement(real, ...(args as [Buffer, number, number]))
      : (original as (...a: unknown[]) => number)(target, ...args)) as typeof fs.writeSync;
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    fs.writeSync = original;
    syncBuiltinESMExports();
  }
}

const isError = (code: string, message: string) => (err: unknown) => {
  assert.ok(err instanceof HoistError, String(err));
  assert.equal(err.code, code);
  assert.equal(err.message, message);
  return true;
};

test('chunks of any size land in the file in order, counted, reported and verified', async () => {
  const chunks = [1, 100, 32 * KiB, 32 * KiB + 1, 3, 1024 * KiB + 5, 17, 300 * KiB].map((n) => randomBytes(n));
  const data = Buffer.concat(chunks);
  let reported = 0;
  let sink: VerifyingFileSink | undefined;
  const content = await withBlobFile((file) => {
    sink = new VerifyingFileSink(file.fd, { digest: sha256(data), size: data.length }, (n) => (reported += n));
    for (const chunk of chunks) assert.equal(sink.write(chunk), undefined, 'write is synchronous: nothing to wait for');
    sink.end();
    sink.verify();
  });
  assert.ok(content.equals(data));
  assert.equal(sink!.bytes, data.length);
  assert.equal(reported, data.length);
});

test('a chunk is in the file when write returns, so the source may reuse its buffer at once', async () => {
  const original = randomBytes(100 * KiB);
  const reused = Buffer.from(original);
  const content = await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(original), size: original.length });
    sink.write(reused);
    reused.fill(0);
    sink.end();
    sink.verify();
  });
  assert.ok(content.equals(original));
});

test('a large chunk goes down in write(2) calls of at most 32 KiB, in order', async () => {
  const data = randomBytes(200 * KiB + 7);
  const lengths: number[] = [];
  const content = await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(data) });
    interceptWrites(
      file.fd,
      (write, buffer, offset, length) => {
        lengths.push(length);
        return write(file.fd, buffer, offset, length);
      },
      () => sink.write(data),
    );
    sink.end();
    sink.verify();
  });
  assert.ok(content.equals(data));
  assert.equal(
    lengths.reduce((a, b) => a + b, 0),
    data.length,
  );
  assert.ok(
    lengths.every((n) => n <= 32 * KiB),
    String(lengths),
  );
});

test('a short write(2) is continued where it stopped', async () => {
  const data = randomBytes(50 * KiB);
  let calls = 0;
  const content = await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(data), size: data.length });
    interceptWrites(
      file.fd,
      (write, buffer, offset, length) => {
        calls++;
        return write(file.fd, buffer, offset, Math.min(length, 1000));
      },
      () => sink.write(data),
    );
    sink.end();
    sink.verify();
  });
  assert.ok(content.equals(data));
  assert.equal(calls, Math.ceil(data.length / 1000));
});

test('a failing write(2) (a full disk: /dev/full) throws from write or end, and its bytes are not reported', async () => {
  let reported = 0;
  const full = await open('/dev/full', 'w');
  try {
    const sink = new VerifyingFileSink(full.fd, { digest: sha256(Buffer.alloc(0)) }, (n) => (reported += n));
    assert.throws(() => sink.write(Buffer.alloc(64 * KiB)), { code: 'ENOSPC' });
    sink.write(Buffer.from('gathered first'));
    assert.throws(() => sink.end(), { code: 'ENOSPC' });
  } finally {
    await full.close();
  }
  assert.equal(reported, 0);
});

test('a chunk that takes the blob past its declared size throws SIZE_MISMATCH at once; none of it is written or reported', async () => {
  const data = Buffer.from('0123456789');
  let reported = 0;
  const content = await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(data), size: 10 }, (n) => (reported += n));
    sink.write(data.subarray(0, 8));
    assert.throws(
      () => sink.write(Buffer.from('89!')),
      (err: unknown) => {
        assert.ok(err instanceof HoistError, String(err));
        assert.equal(err.code, 'SIZE_MISMATCH');
        assert.match(err.message, new RegExp(`^size mismatch for blob ${sha256(data)}: expected 10 bytes, received more than`));
        return true;
      },
    );
    sink.end();
  });
  assert.equal(content.toString(), '01234567');
  assert.equal(reported, 8);
});

test('verify: fewer bytes than declared is a retryable SIZE_MISMATCH "only N"', async () => {
  const data = Buffer.from('0123456789');
  await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(data), size: 10 });
    sink.write(data.subarray(0, 4));
    sink.end();
    assert.throws(
      () => sink.verify(),
      (err: unknown) =>
        isError('SIZE_MISMATCH', `size mismatch for blob ${sha256(data)}: expected 10 bytes, received only 4`)(err) && (err as HoistError).retryable,
    );
  });
});

test('verify: other bytes than the digest names is DIGEST_MISMATCH naming both digests, with or without a size', async () => {
  const data = Buffer.from('expected content');
  const other = Buffer.from('tampered content');
  for (const expected of [{ digest: sha256(data), size: data.length }, { digest: sha256(data) }]) {
    await withBlobFile((file) => {
      const sink = new VerifyingFileSink(file.fd, expected);
      sink.write(other);
      sink.end();
      assert.throws(() => sink.verify(), isError('DIGEST_MISMATCH', `digest mismatch for blob: expected ${sha256(data)}, got ${sha256(other)}`));
    });
  }
});

test('a sha512 digest is verified with sha512', async () => {
  const data = randomBytes(5000);
  const digest = `sha512:${createHash('sha512').update(data).digest('hex')}`;
  await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest, size: data.length });
    sink.write(data);
    sink.end();
    sink.verify();
  });
});

test('an empty blob verifies without any write', async () => {
  const content = await withBlobFile((file) => {
    let writes = 0;
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(Buffer.alloc(0)), size: 0 });
    interceptWrites(
      file.fd,
      () => ++writes,
      () => sink.write(Buffer.alloc(0)),
    );
    sink.end();
    sink.verify();
    assert.equal(writes, 0);
  });
  assert.equal(content.length, 0);
});

test('small chunks (16 KiB TLS records) are gathered into fewer, larger writes, in order', async () => {
  const records = Array.from({ length: 20 }, () => randomBytes(16 * KiB));
  const data = Buffer.concat(records);
  let writes = 0;
  const content = await withBlobFile((file) => {
    const sink = new VerifyingFileSink(file.fd, { digest: sha256(data), size: data.length });
    interceptWrites(
      file.fd,
      (write, buffer, offset, length) => {
        writes++;
        return write(file.fd, buffer, offset, length);
      },
      () => {
        for (const record of records) sink.write(Buffer.from(record));
        sink.end();
      },
    );
    sink.verify();
  });
  assert.ok(content.equals(data));
  assert.equal(writes, data.length / (32 * KiB));
});
