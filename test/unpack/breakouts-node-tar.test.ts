import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import type { LayerEntry } from '../helpers/layers.js';
import { assertSameInode, assertSymlink, inRoot, readText, withUnpackScene, type UnpackScene } from '../helpers/unpack-scene.js';

/*
 * The lessons of node-tar's and tar-fs's CVEs (research §5.8), as layers aimed at the victim: a
 * path cache poisoned by a symlink planted where a directory was, hardlinks through symlink
 * chains, many leading slashes, and a sibling whose name starts with DIR's.
 */

const ETC = (s: UnpackScene) => inRoot(s.victim.dir);
const symlink = (name: string, linkname: string): LayerEntry => ({ name, type: 'symlink', linkname });

describe('a symlink planted where a directory was is followed in-root (CVE-2021-32803, CVE-2021-37701)', () => {
  test('in the same layer: dir d, then symlink d -> V, then d/pwned', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: 'd', type: 'dir' }, { name: 'd/first', data: 'x' }, symlink('d', s.victim.dir), { name: 'd/pwned', data: 'inside' }]]);
      await assertSymlink(s.at('d'), s.victim.dir);
      assert.equal(await readText(s.at(`${ETC(s)}/pwned`)), 'inside');
    }));

  test('in the next layer, after a whiteout of the directory', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'd', type: 'dir' },
          { name: 'd/first', data: 'x' },
        ],
        [{ name: '.wh.d', data: '' }, symlink('d', s.victim.dir), { name: 'd/pwned', data: 'inside' }],
      ]);
      assert.equal(await readText(s.at(`${ETC(s)}/pwned`)), 'inside');
    }));

  test('in the next layer, after an opaque whiteout of the parent', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'p/d', type: 'dir' },
          { name: 'p/d/first', data: 'x' },
        ],
        [{ name: 'p/.wh..wh..opq', data: '' }, symlink('p/d', '../victim'), { name: 'p/d/hello', data: 'inside' }],
      ]);
      assert.equal(await readText(s.at('victim/hello')), 'inside');
      assert.deepEqual(await readdir(s.at('p')), ['d']);
    }));

  test('a dir cached as real, replaced by a file, then used as a parent: INVALID_LAYER', () =>
    withUnpackScene((s) =>
      s.rejects(
        [
          [
            { name: 'd/a', data: 'x' },
            { name: 'd', data: 'now a file' },
            { name: 'd/b', data: 'y' },
          ],
        ],
        'INVALID_LAYER',
      ),
    ));
});

describe('hardlinks through symlink chains resolve in-root (CVE-2026-26960, CVE-2026-24842)', () => {
  test('h -> a/hello, a -> b, b -> V', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [{ name: `${ETC(s)}/hello`, data: 'inside' }, symlink('b', s.victim.dir), symlink('a', 'b'), { name: 'h', type: 'hardlink', linkname: 'a/hello' }],
      ]);
      await assertSameInode(s.at('h'), s.at(`${ETC(s)}/hello`));
    }));

  test('a hardlink in a subdirectory names its target from the root, not from its own directory', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'victim/hello', data: 'inside' },
          { name: 'sub/h', type: 'hardlink', linkname: '../victim/hello' },
        ],
      ]);
      await assertSameInode(s.at('sub/h'), s.at('victim/hello'));
    }));

  test('a chain that loops: INVALID_LAYER', () =>
    withUnpackScene((s) => s.rejects([[symlink('a', 'b'), symlink('b', '/a'), { name: 'h', type: 'hardlink', linkname: 'a/x' }]], 'INVALID_LAYER')));
});

describe('names', () => {
  test('many leading slashes are one (CVE-2021-32804)', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: `////${ETC(s)}/hello`, data: 'inside' }]]);
      assert.equal(await readText(s.at(`${ETC(s)}/hello`)), 'inside');
    }));

  test('a sibling whose name starts with DIR’s is not inside DIR (tar-fs CVE-2025-59343)', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('x', '../dest-evil'), { name: 'x/file', data: 'inside' }, { name: '../dest-evil/other', data: 'inside too' }]]);
      assert.equal(await readText(s.at('dest-evil/file')), 'inside');
      assert.equal(await readText(s.at('dest-evil/other')), 'inside too');
    }));

  test('drive letters and backslashes are ordinary characters on Linux (CVE-2021-37713, CVE-2026-31802)', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: 'C:../victim', data: 'a' }, { name: '..\\victim\\hello', data: 'b' }, symlink('drive', 'C:../../victim')]]);
      assert.deepEqual((await readdir(s.dest)).sort(), ['..\\victim\\hello', 'C:..', 'drive']);
      assert.equal(await readText(s.at('C:../victim')), 'a');
      await assertSymlink(s.at('drive'), 'C:../../victim');
      assert.ok((await lstat(s.at('C:..'))).isDirectory());
    }));
});
