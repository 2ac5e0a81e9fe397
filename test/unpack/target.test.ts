import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isHoistError } from '../../src/errors.js';
import { unpack } from '../../src/unpack/index.js';
import { assertAbsent, readText, withUnpackScene, type UnpackScene } from '../helpers/unpack-scene.js';

/*
 * The target directory rules: what unpack refuses to write into, and what it leaves behind when it
 * fails or is stopped (nothing it created).
 */

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => assert.fail('expected the unpack to fail'),
    (e: unknown) => e,
  );
  assert.ok(isHoistError(error), String(error));
  return error;
}

const oneFile = (s: UnpackScene) => s.image([[{ name: 'f', data: 'x' }]]);

test('a non-empty DIR is UNPACK_TARGET, and what it holds is not touched', () =>
  withUnpackScene(
    async (s) => {
      await writeFile(s.at('mine'), 'the user’s file');
      const before = await lstat(s.at('mine'), { bigint: true });
      assert.equal((await failure(unpack(await oneFile(s), s.dest, { store: s.store }))).code, 'UNPACK_TARGET');
      assert.deepEqual(await readdir(s.dest), ['mine']);
      assert.equal(await readText(s.at('mine')), 'the user’s file');
      assert.equal((await lstat(s.at('mine'), { bigint: true })).mtimeNs, before.mtimeNs);
    },
    { destExists: true },
  ));

test('a DIR that is a file is UNPACK_TARGET, and the file is not touched', () =>
  withUnpackScene(async (s) => {
    await writeFile(s.dest, 'a file, not a directory');
    assert.equal((await failure(unpack(await oneFile(s), s.dest, { store: s.store }))).code, 'UNPACK_TARGET');
    assert.equal(await readFile(s.dest, 'utf8'), 'a file, not a directory');
  }));

test('an image the store does not hold is IMAGE_NOT_KNOWN, and DIR is not created', () =>
  withUnpackScene(async (s) => {
    assert.equal((await failure(unpack('localhost/no-such-image:1', s.dest, { store: s.store }))).code, 'IMAGE_NOT_KNOWN');
    await assertAbsent(s.dest);
  }));

test('an absent DIR is created with its missing parents', () =>
  withUnpackScene(async (s) => {
    const deep = join(s.dest, 'a', 'b');
    const result = await unpack(await oneFile(s), deep, { store: s.store });
    assert.equal(result.rootfs, deep);
    assert.equal(await readText(join(deep, 'f')), 'x');
  }));

test('an abort before the second layer is ABORTED, and what the unpack created is removed', () =>
  withUnpackScene(async (s) => {
    const id = await s.image([[{ name: 'one', data: '1' }], [{ name: 'two', data: '2' }]]);
    const controller = new AbortController();
    const run = unpack(id, s.dest, {
      store: s.store,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'layer-start' && e.index === 1) controller.abort();
      },
    });
    assert.equal((await failure(run)).code, 'ABORTED');
    await assertAbsent(s.dest);
  }));

test('an abort into an existing empty DIR leaves it empty', () =>
  withUnpackScene(
    async (s) => {
      const id = await oneFile(s);
      assert.equal((await failure(unpack(id, s.dest, { store: s.store, signal: AbortSignal.abort() }))).code, 'ABORTED');
      assert.deepEqual(await readdir(s.dest), []);
    },
    { destExists: true },
  ));

test('--bundle: DIR/rootfs holds the layers (breakouts cleaned against rootfs) and DIR/config.json the runtime config', () =>
  withUnpackScene(async (s) => {
    const id = await s.image([
      [
        { name: '../victim/hello', data: 'inside rootfs' },
        { name: 'bin/sh', data: '#!' },
      ],
    ]);
    const result = await unpack(id, s.dest, { store: s.store, bundle: true });
    assert.equal(result.rootfs, s.at('rootfs'));
    assert.equal(result.runtimeConfig, s.at('config.json'));
    assert.deepEqual((await readdir(s.dest)).sort(), ['config.json', 'rootfs']);
    assert.equal(await readText(s.at('rootfs/victim/hello')), 'inside rootfs');
    const config = JSON.parse(await readText(s.at('config.json'))) as { ociVersion?: string; root?: { path?: string } };
    assert.equal(typeof config.ociVersion, 'string');
    assert.equal(config.root?.path, 'rootfs');
  }));

test('events: unpack-start, each layer started and done in order with its entry count, unpack-done', () =>
  withUnpackScene(async (s) => {
    const run = await s.apply([
      [
        { name: 'a', data: '1' },
        { name: 'b', type: 'dir' },
      ],
      [{ name: 'c', data: '3' }],
    ]);
    const kinds = run.events.filter((e) => e.type !== 'layer-progress' && e.type !== 'warning');
    assert.deepEqual(
      kinds.map((e) => [e.type, 'index' in e ? e.index : undefined]),
      [
        ['unpack-start', undefined],
        ['layer-start', 0],
        ['layer-done', 0],
        ['layer-start', 1],
        ['layer-done', 1],
        ['unpack-done', undefined],
      ],
    );
    assert.deepEqual(
      kinds.flatMap((e) => (e.type === 'layer-done' ? [e.entries] : [])),
      [2, 1],
    );
    assert.equal(kinds[0]?.type === 'unpack-start' && kinds[0].layers, 2);
  }));
