import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerOf, reclaimTmp } from '../../src/store/tmp-files.js';
import { buildImage, sha256 } from '../helpers/images.js';
import { withTempDir } from '../helpers/tmp.js';
import { addImageBlobs, openStore } from './fixtures.js';

/** The pid of a process that has exited, so no file naming it belongs to anyone. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const digest = sha256('a partial blob');
const otherDigest = sha256('another partial blob');
const dayAgo = new Date(Date.now() - 25 * 60 * 60 * 1000);

test('ownerOf reads the pid of every per-process temp file name, and nothing else', () => {
  assert.equal(ownerOf('inflight-1234-0123456789ab.json'), 1234);
  assert.equal(ownerOf('index-77-0123456789ab'), 77);
  assert.equal(ownerOf('archive-5-abcdefabcdef.tar'), 5);
  assert.equal(ownerOf('blob-0123456789abcdef-42-abcdefabcdef'), 42);
  assert.equal(ownerOf(`ingest-sha256-${'a'.repeat(64)}`), undefined);
  assert.equal(ownerOf('archive-6f1c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a.tar'), undefined);
  assert.equal(ownerOf('archive-d2c38d40-d040-48e4-9526-22b275545e86.tar'), undefined, 'a UUID with a run of digits is no pid');
});

test('reclaimTmp removes what dead processes left and keeps what live ones own', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const dead = deadPid();
    const tmp = store.paths.tmp;
    const left = [
      `inflight-${dead}-0123456789ab.json`,
      `index-${dead}-0123456789ab`,
      `archive-${dead}-0123456789ab.tar`,
      `blob-0123456789abcdef-${dead}-0123456789ab`,
    ];
    const live = [`inflight-${process.pid}-0123456789ab.json`, `archive-${process.pid}-0123456789ab.tar`];
    for (const name of [...left, ...live]) await writeFile(join(tmp, name), 'x');
    await writeFile(store.paths.claim(digest), String(dead));
    await writeFile(store.paths.claim(otherDigest), String(process.pid));
    await writeFile(join(tmp, 'archive-6f1c2a4e.tar'), 'a young file of unknown owner');
    await writeFile(join(tmp, 'archive-old.tar'), 'an old file of unknown owner');
    await utimes(join(tmp, 'archive-old.tar'), dayAgo, dayAgo);
    await reclaimTmp(store.paths, { partialBlobs: 'stale' });
    const kept = (await readdir(tmp)).sort();
    assert.deepEqual(kept, [...live, 'archive-6f1c2a4e.tar', `claim-sha256-${otherDigest.slice(7)}`].sort());
  }));

test("partial blobs: 'stale' keeps young ones for resuming, 'unclaimed' removes all that nobody is writing", () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const young = sha256('young');
    const old = sha256('old');
    const claimed = sha256('claimed');
    for (const d of [young, old, claimed]) await writeFile(store.paths.ingest(d), 'some bytes');
    await utimes(store.paths.ingest(old), dayAgo, dayAgo);
    await writeFile(store.paths.claim(claimed), String(process.pid));
    await reclaimTmp(store.paths, { partialBlobs: 'stale' });
    const names = async () => (await readdir(store.paths.tmp)).sort();
    assert.deepEqual(await names(), [`claim-sha256-${claimed.slice(7)}`, `ingest-sha256-${claimed.slice(7)}`, `ingest-sha256-${young.slice(7)}`].sort());
    await reclaimTmp(store.paths, { partialBlobs: 'unclaimed' });
    assert.deepEqual(
      await names(),
      [`claim-sha256-${claimed.slice(7)}`, `ingest-sha256-${claimed.slice(7)}`].sort(),
      'a blob someone is writing is never touched',
    );
  }));

test('every pull that copies (markInFlight) and every rmi reclaims what dead processes left', () =>
  withTempDir(async (dir) => {
    const store = await openStore(dir);
    const marker = () => `inflight-${deadPid()}-0123456789ab.json`;
    const first = marker();
    await writeFile(join(store.paths.tmp, first), JSON.stringify({ pid: 1, digests: [] }));
    const end = await store.markInFlight([]);
    assert.ok(!(await readdir(store.paths.tmp)).includes(first), 'markInFlight reclaimed the dead marker');
    await end();
    const image = buildImage();
    await store.commitImage(await addImageBlobs(store, image), ['localhost/x:1']);
    const second = marker();
    await writeFile(join(store.paths.tmp, second), '');
    await writeFile(store.paths.ingest(digest), 'partial');
    await store.remove(['localhost/x:1']);
    assert.deepEqual(await readdir(store.paths.tmp), [], 'rmi reclaimed the dead marker and the unclaimed partial blob');
  }));
