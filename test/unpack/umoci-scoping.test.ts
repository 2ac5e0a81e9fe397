import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayerEntry } from '../helpers/layers.js';
import { asRoot, assertAbsent, assertSameInode, assertSymlink, climb, inRoot, overrideStat, readText, withUnpackScene } from '../helpers/unpack-scene.js';

/*
 * umoci oci/layer/tar_extract_test.go. umoci's host file is dir/file beside the rootfs; here it is
 * the victim's hello, so every escape these layers try is one withUnpackScene would catch
 * ("HOST PATH WAS CHANGED! THIS IS A PATH ESCAPE!").
 */

const CTR = 'container content';

describe('umoci TestUnpackEntrySanitiseScoping', () => {
  for (const [name, prefix] of [
    ['GarbagePrefix', '/..'],
    ['DotDotPrefix', '..'],
  ] as const) {
    test(`${name}: ${prefix}/victim/hello lands in DIR/victim/hello`, () =>
      withUnpackScene(async (s) => {
        await s.apply([[{ name: `${prefix}/victim/hello`, data: CTR }]]);
        assert.equal(await readText(s.at('victim/hello')), CTR, 'ctr path was updated');
      }));
  }
});

describe('umoci TestUnpackEntrySymlinkScoping: a write through a link to / or above stays in DIR', () => {
  // umoci's link targets are the prefixes alone (so a host-side follow would write the host's
  // /file); these append the victim's path to them, so a host-side follow writes the victim
  // instead, while in-root the prefix still clamps at DIR and the write lands in DIR/V.
  for (const [name, prefix] of [
    ['RootPrefix', '/'],
    ['GarbagePrefix1', '/../'],
    ['GarbagePrefix2', '/../../../../../../../../../../../../../../../'],
    ['GarbagePrefix3', '/./.././.././.././.././.././.././.././.././../'],
  ] as const) {
    test(`${name}: link -> ${prefix}V`, () =>
      withUnpackScene(async (s) => {
        const target = `${prefix}${inRoot(s.victim.dir)}`;
        await s.apply([
          [
            { name: 'link', type: 'symlink', linkname: target },
            { name: 'link/hello', data: CTR },
          ],
        ]);
        await assertSymlink(s.at('link'), target);
        assert.equal(await readText(s.at(`${inRoot(s.victim.dir)}/hello`)), CTR);
      }));
  }

  test('DotDotPrefix: link -> ../victim', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          { name: 'link', type: 'symlink', linkname: '../victim' },
          { name: 'link/hello', data: CTR },
        ],
      ]);
      assert.equal(await readText(s.at('victim/hello')), CTR);
    }));

  test('a link to .. in a later layer: writes through it stay in DIR', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: 'sub/link', type: 'symlink', linkname: '../..' }], [{ name: 'sub/link/victim/hello', data: CTR }]]);
      assert.equal(await readText(s.at('victim/hello')), CTR);
    }));
});

// umoci replaces a non-directory parent with a directory (umoci#546); our spec refuses the layer.
test('umoci TestUnpackEntryNonDirParent: an entry under a regular file is INVALID_LAYER', () =>
  withUnpackScene((s) =>
    s.rejects(
      [
        [
          { name: 'nondir', data: 'a file' },
          { name: 'nondir/foo/bar/baz', data: 'under a file' },
        ],
      ],
      'INVALID_LAYER',
    ),
  ));

test('umoci TestUnpackEntryNonDirParent, across layers: INVALID_LAYER, an existing empty DIR left empty', () =>
  withUnpackScene((s) => s.rejects([[{ name: 'nondir', data: 'a file' }], [{ name: 'nondir/foo', data: 'under a file' }]], 'INVALID_LAYER'), {
    destExists: true,
  }));

test('umoci TestUnpackEntryParentDir: missing parents are created, mode 0755, owned by the caller', () =>
  withUnpackScene(async (s) => {
    await s.apply([[{ name: 'a/b/c/file', data: 'creating parentdirs', uid: process.getuid?.(), gid: process.getgid?.() }]]);
    assert.equal(await readText(s.at('a/b/c/file')), 'creating parentdirs');
    for (const dir of ['a', 'a/b', 'a/b/c']) {
      const st = await lstat(s.at(dir));
      assert.ok(st.isDirectory());
      assert.equal(st.mode & 0o7777, 0o755, `${dir} is 0755`);
      assert.deepEqual([st.uid, st.gid], [process.getuid?.(), process.getgid?.()]);
      // A parent nobody described has no owner to record.
      assert.equal(await overrideStat(s.at(dir)), undefined);
    }
  }));

describe('umoci TestUnpackEntryWhiteout: a whiteout removes its path and leaves the parent as the layers set it', () => {
  const cases: Array<[string, string, boolean]> = [
    ['FileInRoot', 'rootpath', false],
    ['HiddenFileInRoot', '.hiddenroot', false],
    ['FileInSubdir', 'some/path/file', false],
    ['HiddenFileInSubdir', 'another/path/.hiddenfile', false],
    ['DirInRoot', 'rootpath', true],
    ['HiddenDirInRoot', '.hiddenroot', true],
    ['DirInSubdir', 'some/path/dir', true],
    ['HiddenDirInSubdir', 'another/path/.hiddendir', true],
  ];
  const PARENT_MTIME = 123;
  for (const [name, path, isDir] of cases) {
    test(name, () =>
      withUnpackScene(async (s) => {
        const parent = dirname(path);
        const base = path.slice(parent === '.' ? 0 : parent.length + 1);
        // The parent's own entry (`./` for the root) carries the mtime the whiteout must not change.
        const parentEntry: LayerEntry = { name: parent === '.' ? './' : `${parent}/`, type: 'dir', mtime: PARENT_MTIME };
        const lower: LayerEntry[] = isDir
          ? [
              { name: path, type: 'dir' },
              { name: `${path}/file1`, data: 'some value' },
              { name: `${path}/file2`, data: 'some value' },
              { name: `${path}/.subdir`, type: 'dir' },
              { name: `${path}/.subdir/file3`, data: 'some value' },
            ]
          : [{ name: path, data: 'some value' }];
        await s.apply([[parentEntry, ...lower], [{ name: join(parent, `.wh.${base}`), data: '' }]]);
        await assertAbsent(s.at(path));
        assert.equal((await lstat(s.at(parent))).mtimeMs, PARENT_MTIME * 1000, 'the parent keeps its mtime');
        assert.deepEqual(await readdir(s.at(parent)), [], 'the whiteout itself is not in DIR');
      }),
    );
  }

  for (const whiteout of ['.wh.', 'dir/.wh.']) {
    test(`an empty whiteout name (${whiteout}) is INVALID_LAYER`, () =>
      withUnpackScene((s) => s.rejects([[{ name: 'dir/file', data: 'kept' }], [{ name: whiteout, data: '' }]], 'INVALID_LAYER')));
  }
});

describe('umoci TestUnpackOpaqueWhiteout: an opaque whiteout removes what lower layers put under its directory', () => {
  interface Pseudo {
    path: string;
    type: 'file' | 'dir' | 'symlink' | 'fifo';
    linkname?: string;
    /** In the layer with the opaque marker (survives); else in the layer below (removed). */
    upper: boolean;
  }
  const f = (path: string, upper: boolean): Pseudo => ({ path, type: 'file', upper });
  const d = (path: string, upper: boolean): Pseudo => ({ path, type: 'dir', upper });
  const l = (path: string, linkname: string, upper: boolean): Pseudo => ({ path, type: 'symlink', linkname, upper });
  // umoci's verybadlinks point at the host's /etc/shadow; these point at the victim's hello.
  const VERYBAD = '{climb}{victim}/hello';
  const VERYBAD2 = '/../../../../../../../../../../../../{victim}/hello';
  const cases: Array<[string, Pseudo[]]> = [
    ['EmptyDir', []],
    ['OneLevel', [f('file', false), l('link', '..', true), l('badlink', './nothing', true), { path: 'fifo', type: 'fifo', upper: false }]],
    ['OneLevelNoUpper', [f('file', false), l('link', '..', false), l('badlink', './nothing', false), { path: 'fifo', type: 'fifo', upper: false }]],
    [
      'TwoLevel',
      [
        f('file', true),
        l('link', '..', false),
        l('badlink', './nothing', false),
        d('dir', true),
        f('dir/file', true),
        l('dir/link', '../badlink', false),
        l('dir/verybadlink', VERYBAD, true),
        l('dir/verybadlink2', VERYBAD2, false),
      ],
    ],
    [
      'TwoLevelNoUpper',
      [
        f('file', false),
        l('link', '..', false),
        l('badlink', './nothing', false),
        d('dir', false),
        f('dir/file', false),
        l('dir/link', '../badlink', false),
        l('dir/verybadlink', VERYBAD, false),
        l('dir/verybadlink2', VERYBAD2, false),
      ],
    ],
    [
      'MultiLevel',
      [
        f('level1_file', true),
        l('level1_link', '..', false),
        d('level1a', true),
        f('level1a/level2_file', false),
        l('level1a/level2_link', '../../../', true),
        d('level1a/level2a', false),
        f('level1a/level2a/level3_fileA', false),
        f('level1a/level2a/level3_fileB', false),
        d('level1a/level2b', true),
        f('level1a/level2b/level3_fileA', true),
        f('level1a/level2b/level3_fileB', false),
        d('level1a/level2b/level3', false),
        d('level1a/level2b/level3/level4', false),
        d('level1b', false),
        f('level1b/level2_fileA', false),
        f('level1b/level2_fileB', false),
        d('level1b/level2', false),
        f('level1b/level2/level3_file', false),
      ],
    ],
    [
      'MissingUpperAncestor',
      [d('some', false), d('some/dir', false), f('some/dir/somewhere', true), d('another', false), d('another/dir', false), f('another/dir/somewhere', false)],
    ],
    ['UpperWhiteout', [f('.wh.fileB', true), f('fileA', true), f('fileB', true), f('fileC', false), f('.wh.fileA', true), f('.wh.fileC', true)]],
    [
      'UpperDirWhiteout',
      [
        f('.wh.dir2', true),
        f('file', false),
        d('dir1', true),
        f('dir1/file', true),
        l('dir1/link', '../badlink', false),
        l('dir1/verybadlink', VERYBAD, true),
        l('dir1/verybadlink2', VERYBAD2, false),
        f('.wh.dir1', true),
        d('dir2', true),
        f('dir2/file', true),
        l('dir2/link', '../badlink', false),
      ],
    ],
  ];
  const SUB = 'test-subdir';
  const OPQ = `${SUB}/.wh..wh..opq`;

  for (const [name, pseudo] of cases) {
    for (const marker of ['last', 'first'] as const) {
      test(`${name} (marker ${marker} in its layer)`, () =>
        withUnpackScene(async (s) => {
          const entry = (p: Pseudo): LayerEntry => ({
            name: `${SUB}/${p.path}`,
            type: p.type,
            ...(p.type === 'file' ? { data: `${p.path}\n`, mode: 0o777 } : {}),
            ...(p.linkname ? { linkname: p.linkname.replace('{climb}', climb(s.dest)).replace('{victim}', inRoot(s.victim.dir)) } : {}),
          });
          const upper = pseudo.filter((p) => p.upper).map(entry);
          await s.apply([
            [{ name: SUB, type: 'dir' }, ...pseudo.filter((p) => !p.upper).map(entry)],
            marker === 'last' ? [...upper, { name: OPQ, data: '' }] : [{ name: OPQ, data: '' }, ...upper],
          ]);
          // What survives: every upper entry but the whiteouts, and the directories above them. The
          // marker hides all lower content under SUB, however deep (image-spec: the directory is
          // opaque; umoci: everything not in upperPaths), not only SUB's direct children.
          const survivors = new Set<string>();
          for (const p of pseudo.filter((q) => q.upper && !q.path.split('/').pop()!.startsWith('.wh.'))) {
            for (let at = p.path; at !== '.'; at = dirname(at)) survivors.add(at);
          }
          for (const p of pseudo) {
            if (p.path.split('/').pop()!.startsWith('.wh.')) continue;
            if (survivors.has(p.path)) await lstat(s.at(`${SUB}/${p.path}`));
            else await assertAbsent(s.at(`${SUB}/${p.path}`));
          }
          assert.ok((await lstat(s.at(SUB))).isDirectory(), 'the opaque directory itself stays');
          const listing = (await readdir(s.at(SUB))).sort();
          assert.deepEqual(listing, [...survivors].filter((p) => !p.includes('/')).sort(), 'nothing else is left, whiteouts included');
        }));
    }
  }
});

describe('umoci TestUnpackHardlink', () => {
  test('a hardlink to a file and a hardlink to a symlink; their owners are not applied', () =>
    withUnpackScene(async (s) => {
      const uid = process.getuid?.() ?? 0;
      const gid = process.getgid?.() ?? 0;
      await s.apply([
        [
          { name: 'regular', data: "some content we won't check", uid, gid },
          { name: 'hard link', type: 'hardlink', linkname: '/regular', uid: uid + 1337, gid: gid + 2020 },
          { name: 'link', type: 'symlink', linkname: '../../../regular', uid, gid },
          { name: 'hard link to symlink', type: 'hardlink', linkname: '../../../link', uid: uid + 1337, gid: gid + 2020 },
        ],
      ]);
      assert.equal(await readText(s.at('regular')), "some content we won't check");
      await assertSameInode(s.at('hard link'), s.at('regular'));
      await assertSameInode(s.at('hard link to symlink'), s.at('link'));
      const [reg, sym] = await Promise.all([lstat(s.at('regular'), { bigint: true }), lstat(s.at('link'), { bigint: true })]);
      assert.notEqual(reg.ino, sym.ino);
      await assertSymlink(s.at('hard link to symlink'), '../../../regular');
      for (const st of [reg, sym]) assert.deepEqual([Number(st.uid), Number(st.gid)], [uid, gid], 'uid/gid were not changed by the hardlink');
      // Rootless, the hardlink's owner would show as an override_stat on the shared inode.
      if (!asRoot) assert.equal(await overrideStat(s.at('regular')), undefined, 'no owner recorded for the hardlink');
    }));
});
