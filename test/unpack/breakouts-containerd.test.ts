import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat } from 'node:fs/promises';
import {
  assertAbsent,
  assertNotSameInode,
  assertSameInode,
  assertSymlink,
  climb,
  inRoot,
  readText,
  withUnpackScene,
  type UnpackScene,
} from '../helpers/unpack-scene.js';

/*
 * containerd's TestBreakouts (pkg/archive/tar_test.go), case by case. Its layers aim at the host's
 * /etc; these aim at the scene's victim instead: where containerd writes `/etc`, these write the
 * victim's absolute path V, whose in-root twin is DIR/V (called ETC below), and `passwd` is the
 * victim's `hello`. A symlink followed on the host therefore lands on the victim, which
 * withUnpackScene checks is untouched after every case. Relative climbs that containerd makes past
 * the root climb past the host's `/` here and come back down to V.
 */

const V = (s: UnpackScene) => s.victim.dir;
const ETC = (s: UnpackScene) => inRoot(s.victim.dir);
const dir = (name: string, mode = 0o755) => ({ name, type: 'dir' as const, mode });
const file = (name: string, data: string, mode = 0o644) => ({ name, data, mode });
const symlink = (name: string, linkname: string) => ({ name, type: 'symlink' as const, linkname });
const hardlink = (name: string, linkname: string) => ({ name, type: 'hardlink' as const, linkname });

/** Writes through a symlinked parent land inside DIR: DIR/ETC/unbroken, never V/unbroken. */
async function assertUnbroken(s: UnpackScene): Promise<void> {
  assert.equal(await readText(s.at(`${ETC(s)}/unbroken`)), 'unbroken');
}

describe('containerd TestBreakouts: writes through symlinks stay inside DIR', () => {
  test('SymlinkAbsolute', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s)), symlink('localetc', V(s)), file('/localetc/unbroken', 'unbroken')]]);
      await assertUnbroken(s);
      await assertSymlink(s.at('localetc'), V(s));
    }));

  test('SymlinkUpAndOut', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s)), dir('dummy'), symlink('localetc', `/dummy/../${ETC(s)}`), file('/localetc/unbroken', 'unbroken')]]);
      await assertUnbroken(s);
    }));

  test('SymlinkMultipleAbsolute', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s)), dir('dummy'), symlink('/dummy/etc', V(s)), symlink('localetc', '/dummy/etc'), file('/dummy/etc/unbroken', 'unbroken')]]);
      await assertUnbroken(s);
    }));

  test('SymlinkMultipleRelative', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s)), dir('dummy'), symlink('/dummy/etc', V(s)), symlink('localetc', './dummy/etc'), file('/dummy/etc/unbroken', 'unbroken')]]);
      await assertUnbroken(s);
    }));

  test('SymlinkEmptyFile: emptying a file through a symlink empties the one inside DIR', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s)), file(`${ETC(s)}/hello`, 'notempty'), symlink('localetc', V(s)), file('/localetc/hello', '')]]);
      assert.equal(await readText(s.at(`${ETC(s)}/hello`)), '');
    }));
});

describe('containerd TestBreakouts: hardlink targets resolve inside DIR', () => {
  test('HardlinkRelative', () =>
    withUnpackScene(async (s) => {
      // ../../victim from breakouts/ is the victim on the host and DIR/victim inside.
      await s.apply([
        [
          dir('victim', 0o770),
          file('/victim/hello', 'inside'),
          dir('breakouts'),
          symlink('breakouts/d1', '../../victim'),
          hardlink('breakouts/mypasswd', '/breakouts/d1/hello'),
        ],
      ]);
      await assertSameInode(s.at('breakouts/mypasswd'), s.at('victim/hello'));
    }));

  test('HardlinkDownAndOut', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          dir('victim', 0o770),
          file('/victim/hello', 'inside'),
          dir('breakouts'),
          dir('downandout'),
          symlink('breakouts/d1', '../downandout/../../victim'),
          hardlink('breakouts/mypasswd', '/breakouts/d1/hello'),
        ],
      ]);
      await assertSameInode(s.at('breakouts/mypasswd'), s.at('victim/hello'));
    }));

  test('HardlinkAbsolute', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), symlink('localetc', V(s)), hardlink('localpasswd', '/localetc/hello')]]);
      await assertSameInode(s.at('localpasswd'), s.at(`${ETC(s)}/hello`));
    }));

  test('HardlinkRelativeLong', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), symlink('localetc', `${climb(s.dest)}${ETC(s)}`), hardlink('localpasswd', '/localetc/hello')],
      ]);
      await assertSameInode(s.at('localpasswd'), s.at(`${ETC(s)}/hello`));
    }));

  test('HardlinkRelativeUpAndOut', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [
          dir(ETC(s), 0o770),
          file(`/${ETC(s)}/hello`, 'inside'),
          symlink('localetc', `upandout/${climb(s.dest)}${ETC(s)}`),
          hardlink('localpasswd', '/localetc/hello'),
        ],
      ]);
      await assertSameInode(s.at('localpasswd'), s.at(`${ETC(s)}/hello`));
    }));

  test('HardlinkDirectRelative', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), hardlink('localpasswd', `${climb(s.dest)}${ETC(s)}/hello`)]]);
      await assertSameInode(s.at('localpasswd'), s.at(`${ETC(s)}/hello`));
    }));

  test('HardlinkDirectAbsolute', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), hardlink('localpasswd', `${V(s)}/hello`)]]);
      await assertSameInode(s.at('localpasswd'), s.at(`${ETC(s)}/hello`));
    }));
});

describe('containerd TestBreakouts: odd names', () => {
  // containerd ignores an entry that resolves to the root and succeeds; our spec refuses a
  // non-directory entry that would replace the root directory.
  test('SymlinkParentDirectory: a symlink named .. would replace the root: INVALID_LAYER', () =>
    withUnpackScene(async (s) => {
      await s.rejects(
        [[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), symlink('..', `${V(s)}/`), hardlink('localpasswd', `${V(s)}/hello`)]],
        'INVALID_LAYER',
      );
    }));

  test('SymlinkEmptyFilename: a symlink with an empty name would replace the root: INVALID_LAYER', () =>
    withUnpackScene(async (s) => {
      await s.rejects(
        [[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), symlink('', `${V(s)}/`), hardlink('localpasswd', `${V(s)}/hello`)]],
        'INVALID_LAYER',
      );
    }));

  test('SymlinkParentRelative: localetc/sub/.. is localetc', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), symlink('localetc/sub/..', `${V(s)}/`), hardlink('/localetc/localpasswd', `${V(s)}/hello`)],
      ]);
      await assertSymlink(s.at('localetc'), `${V(s)}/`);
      await assertSameInode(s.at(`${ETC(s)}/localpasswd`), s.at(`${ETC(s)}/hello`));
    }));

  test('SymlinkSlashEnded: a directory named localetc/', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), dir('localetc/', 0o770), hardlink('/localetc/localpasswd', `${V(s)}/hello`)]]);
      assert.ok((await lstat(s.at('localetc'))).isDirectory());
      await assertSameInode(s.at('localetc/localpasswd'), s.at(`${ETC(s)}/hello`));
    }));
});

describe('containerd TestBreakouts: overrides', () => {
  const lower = (s: UnpackScene) => [dir(ETC(s)), file(`/${ETC(s)}/hello`, 'inside')];

  test('SymlinkOverrideDirectory: a symlink replaces a directory, and a link through it stays inside', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [...lower(s), dir('localetc')],
        [symlink('localetc', V(s)), hardlink('/localetc/localpasswd', `${V(s)}/hello`)],
      ]);
      await assertSymlink(s.at('localetc'), V(s));
      await assertSameInode(s.at(`${ETC(s)}/localpasswd`), s.at(`${ETC(s)}/hello`));
    }));

  test('SymlinkOverrideDirectoryRelative', () =>
    withUnpackScene(async (s) => {
      const target = `${climb(s.dest)}${ETC(s)}`;
      await s.apply([
        [...lower(s), dir('localetc')],
        [symlink('localetc', target), hardlink('/localetc/localpasswd', `${V(s)}/hello`)],
      ]);
      await assertSymlink(s.at('localetc'), target);
      await assertSameInode(s.at(`${ETC(s)}/localpasswd`), s.at(`${ETC(s)}/hello`));
    }));

  test('DirectoryOverrideSymlink: a directory entry replaces a symlink to a directory', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [...lower(s), symlink('localetc', V(s))],
        [dir('/localetc/'), hardlink('/localetc/localpasswd', `${V(s)}/hello`)],
      ]);
      assert.ok((await lstat(s.at('localetc'))).isDirectory(), 'localetc is a real directory now');
      await assertSameInode(s.at('localetc/localpasswd'), s.at(`${ETC(s)}/hello`));
    }));

  test('DirectoryOverrideSymlinkAndHardlink: the new file does not write through the old link', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [...lower(s), symlink('localetc', V(s)), hardlink('/localetc/localpasswd', `${V(s)}/hello`)],
        [dir('/localetc/'), file('/localetc/localpasswd', 'different')],
      ]);
      assert.ok((await lstat(s.at('localetc'))).isDirectory());
      assert.equal(await readText(s.at('localetc/localpasswd')), 'different');
      await assertNotSameInode(s.at('localetc/localpasswd'), s.at(`${ETC(s)}/hello`));
      assert.equal(await readText(s.at(`${ETC(s)}/hello`)), 'inside');
      await assertSameInode(s.at(`${ETC(s)}/localpasswd`), s.at(`${ETC(s)}/hello`));
    }));
});

describe('containerd TestBreakouts: whiteouts', () => {
  const etc = [dir('etc'), file('etc/passwd', 'inside')];

  // `.wh...` at the root names DIR/.., the directory holding the victim.
  for (const [name, whiteout] of [
    ['WhiteoutRootParent', '.wh...'],
    ['WhiteoutParent', 'etc/.wh...'],
    ['WhiteoutRoot', '.wh..'],
    ['WhiteoutCurrentDirectory', 'etc/.wh..'],
  ] as const) {
    test(`${name}: ${whiteout} is INVALID_LAYER and removes nothing`, () =>
      withUnpackScene(async (s) => {
        await s.rejects([etc, [file(whiteout, '')]], 'INVALID_LAYER');
      }));
  }

  test('WhiteoutSymlink: the link is removed, not its target', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir(ETC(s)), file(`${ETC(s)}/passwd`, 'all users'), symlink('localetc', V(s))], [file('.wh.localetc', '')]]);
      assert.equal(await readText(s.at(`${ETC(s)}/passwd`)), 'all users');
      await assertAbsent(s.at('localetc'));
    }));

  test('WhiteoutSymlinkPath: a whiteout under a symlinked parent removes inside DIR', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [dir(ETC(s)), file(`${ETC(s)}/passwd`, 'all users'), file(`${ETC(s)}/hello`, 'ahhhh whiteout'), symlink('localetc', V(s))],
        [file('localetc/.wh.hello', '')],
      ]);
      assert.equal(await readText(s.at(`${ETC(s)}/passwd`)), 'all users');
      await assertAbsent(s.at(`${ETC(s)}/hello`));
    }));

  // A whiteout is an entry whose last component starts with .wh.; a parent component that does
  // is an ordinary directory name.
  test('WhiteoutDirectoryName: .wh.etc/somefile is a plain file', () =>
    withUnpackScene(async (s) => {
      await s.apply([etc, [file('.wh.etc/somefile', 'non-empty')]]);
      assert.equal(await readText(s.at('etc/passwd')), 'inside');
      assert.equal(await readText(s.at('.wh.etc/somefile')), 'non-empty');
    }));

  // containerd's link points at /dne; this one points at the victim's parent, which does not
  // exist inside DIR (so the whiteout is a no-op) but does on the host (where it would remove the victim).
  test('WhiteoutDeadSymlinkParent: a whiteout under a dangling in-root symlink is a no-op', () =>
    withUnpackScene(async (s) => {
      await s.apply([[...etc, symlink('localetc', s.parent)], [file('localetc/.wh.victim', '')]]);
      assert.equal(await readText(s.at('etc/passwd')), 'inside');
      await assertSymlink(s.at('localetc'), s.parent);
    }));

  test('WhiteoutRelativePath: dne/../.wh.etc removes etc', () =>
    withUnpackScene(async (s) => {
      await s.apply([[...etc, symlink('localetc', '/dne')], [file('dne/../.wh.etc', '')]]);
      await assertAbsent(s.at('etc'));
      await assertSymlink(s.at('localetc'), '/dne');
    }));

  test('../.wh.victim removes DIR/victim, never the victim beside DIR', () =>
    withUnpackScene(async (s) => {
      await s.apply([[dir('victim'), file('victim/hello', 'inside')], [file('../.wh.victim', '')]]);
      await assertAbsent(s.at('victim'));
    }));
});

describe('containerd TestBreakouts: hardlinks to symlinks', () => {
  test('HardlinkSymlinkBeforeCreateTarget: a hardlink to a dangling symlink links the symlink', () =>
    withUnpackScene(async (s) => {
      await s.apply([
        [dir(ETC(s), 0o770), symlink('localpasswd', `${V(s)}/hello`), hardlink('localpasswd-dup', 'localpasswd'), file(`/${ETC(s)}/hello`, 'after')],
      ]);
      await assertSymlink(s.at('localpasswd-dup'), `${V(s)}/hello`);
      await assertSameInode(s.at('localpasswd-dup'), s.at('localpasswd'));
      assert.equal(await readText(s.at(`${ETC(s)}/hello`)), 'after');
    }));

  for (const [name, target] of [
    ['HardlinkSymlinkRelative', (s: UnpackScene) => `${climb(s.dest)}${ETC(s)}/hello`],
    ['HardlinkSymlinkAbsolute', (s: UnpackScene) => `${V(s)}/hello`],
  ] as const) {
    test(`${name}: the hardlink is another name of the symlink`, () =>
      withUnpackScene(async (s) => {
        await s.apply([[dir(ETC(s), 0o770), file(`/${ETC(s)}/hello`, 'inside'), symlink('passwdlink', target(s)), hardlink('localpasswd', '/passwdlink')]]);
        await assertSymlink(s.at('localpasswd'), target(s));
        await assertSameInode(s.at('localpasswd'), s.at('passwdlink'));
      }));
  }

  // containerd's host files are perm400 and also-exists-outside-root; here they are the victim's
  // perm400 (mode 0400, checked by the victim snapshot) and sub/file.
  test('HardlinkSymlinkChmod: a hardlink to a symlink never chmods the host file it points at', () =>
    withUnpackScene(async (s) => {
      const outside = `${V(s)}/sub/file`;
      await s.apply([[symlink(outside, `${V(s)}/perm400`), { ...hardlink('sketchylink', outside), mode: 0o777 }]]);
      await assertSymlink(s.at('sketchylink'), `${V(s)}/perm400`);
      await assertSameInode(s.at('sketchylink'), s.at(inRoot(outside)));
    }));
});
