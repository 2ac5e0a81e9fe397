import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import { asRoot, assertSameInode, assertSymlink, overrideStat, readText, withUnpackScene } from '../helpers/unpack-scene.js';
import type { LayerEntry } from '../helpers/layers.js';

/*
 * containers/storage pkg/archive archive_test.go: the breakout cases testBreakout runs with a
 * victim/hello beside the destination. Those archives aim at ../victim already, which is this
 * scene's victim. c/storage refuses them with breakoutErrors; our spec cleans names in-root
 * instead, so a name or symlink that reaches for ../victim lands in DIR/victim, and a hardlink
 * whose in-root target does not exist is INVALID_LAYER.
 */

const symlink = (name: string, linkname: string): LayerEntry => ({ name, type: 'symlink', linkname, mode: 0o755 });
const hardlink = (name: string, linkname: string): LayerEntry => ({ name, type: 'hardlink', linkname, mode: 0o755 });
const file = (name: string, data = 'from the layer\n'): LayerEntry => ({ name, data });

describe('c/storage TestUntarInvalidFilenames: names are cleaned against DIR', () => {
  for (const name of ['../victim/dotdot', '/../victim/slash-dotdot']) {
    test(`${name} lands in DIR/victim`, () =>
      withUnpackScene(async (s) => {
        await s.apply([[file(name, 'inside')]]);
        const base = name.slice(name.lastIndexOf('/') + 1);
        assert.equal(await readText(s.at(`victim/${base}`)), 'inside');
        assert.deepEqual(await readdir(s.dest), ['victim']);
      }));
  }
});

test('c/storage TestUntarHardlinkToSymlink: a hardlink to a symlink links the symlink, before its target exists', () =>
  withUnpackScene(async (s) => {
    await s.apply([[symlink('symlink1', 'regfile'), hardlink('symlink2', 'symlink1'), file('regfile')]]);
    await assertSymlink(s.at('symlink2'), 'regfile');
    await assertSameInode(s.at('symlink2'), s.at('symlink1'));
    assert.equal(await readText(s.at('symlink2')), 'from the layer\n');
  }));

describe('c/storage TestUntarInvalidHardlink: hardlink targets are in-root names', () => {
  // Each hardlink target cleans to /victim/... inside DIR, where nothing exists.
  const cases: Array<[string, LayerEntry[]]> = [
    ['try reading victim/hello (../)', [hardlink('dotdot', '../victim/hello')]],
    ['try reading victim/hello (/../)', [hardlink('slash-dotdot', '/../victim/hello')]],
    ['try writing victim/file', [hardlink('loophole-victim', '../victim'), file('loophole-victim/file')]],
    ['try reading victim/hello (hardlink, symlink)', [hardlink('loophole-victim', '../victim'), symlink('symlink', 'loophole-victim/hello')]],
    ['try reading victim/hello (hardlink, hardlink)', [hardlink('loophole-victim', '../victim'), hardlink('hardlink', 'loophole-victim/hello')]],
    ['try removing victim directory (hardlink)', [hardlink('loophole-victim', '../victim'), file('loophole-victim')]],
  ];
  for (const [name, entries] of cases) {
    test(`${name}: INVALID_LAYER (no such target inside DIR)`, () => withUnpackScene((s) => s.rejects([entries], 'INVALID_LAYER')));
  }

  // The same attempts with an existing dest: the error must leave it empty, not removed.
  test('try writing victim/file, into an existing empty DIR: INVALID_LAYER, DIR left empty', () =>
    withUnpackScene((s) => s.rejects([[hardlink('loophole-victim', '../victim'), file('loophole-victim/file')]], 'INVALID_LAYER'), { destExists: true }));

  test('a hardlink to a directory inside DIR: INVALID_LAYER', () =>
    withUnpackScene((s) => s.rejects([[{ name: 'victim', type: 'dir' }, hardlink('loophole-victim', '../victim')]], 'INVALID_LAYER')));

  test('a hardlink to ../victim/hello links DIR/victim/hello when the layer made one', () =>
    withUnpackScene(async (s) => {
      await s.apply([[file('victim/hello', 'inside'), hardlink('dotdot', '../victim/hello')]]);
      await assertSameInode(s.at('dotdot'), s.at('victim/hello'));
    }));
});

describe('c/storage TestUntarInvalidSymlink: symlinks are written verbatim and followed in-root', () => {
  test('try reading victim/hello (../): the link is kept as written', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('dotdot', '../victim/hello')]]);
      await assertSymlink(s.at('dotdot'), '../victim/hello');
    }));

  test('try reading victim/hello (/../): the link is kept as written', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('slash-dotdot', '/../victim/hello')]]);
      await assertSymlink(s.at('slash-dotdot'), '/../victim/hello');
    }));

  test('try writing victim/file: the write lands in DIR/victim/file', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('loophole-victim', '../victim'), file('loophole-victim/file', 'inside')]]);
      await assertSymlink(s.at('loophole-victim'), '../victim');
      assert.equal(await readText(s.at('victim/file')), 'inside');
    }));

  test('try reading victim/hello (symlink, symlink): both links verbatim', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('loophole-victim', '../victim'), symlink('symlink', 'loophole-victim/hello')]]);
      await assertSymlink(s.at('loophole-victim'), '../victim');
      await assertSymlink(s.at('symlink'), 'loophole-victim/hello');
    }));

  test('try reading victim/hello (symlink, hardlink): INVALID_LAYER, DIR/victim/hello does not exist', () =>
    withUnpackScene((s) => s.rejects([[symlink('loophole-victim', '../victim'), hardlink('hardlink', 'loophole-victim/hello')]], 'INVALID_LAYER')));

  test('try removing victim directory (symlink): the file replaces the link', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('loophole-victim', '../victim'), file('loophole-victim', 'replaced')]]);
      assert.ok((await lstat(s.at('loophole-victim'))).isFile());
      assert.equal(await readText(s.at('loophole-victim')), 'replaced');
    }));

  test('try writing to victim/newdir/newfile with a symlink in the path: it lands in DIR/victim/newdir', () =>
    withUnpackScene(async (s) => {
      await s.apply([[symlink('dir/loophole', '../../victim'), file('dir/loophole/newdir/newfile', 'inside')]]);
      await assertSymlink(s.at('dir/loophole'), '../../victim');
      assert.equal(await readText(s.at('victim/newdir/newfile')), 'inside');
    }));
});

test('c/storage TestTypeXGlobalHeaderDoesNotFail: a PAX global header is not an entry', () =>
  withUnpackScene(async (s) => {
    await s.apply([[{ name: 'pax_global_header', type: 'pax-global', pax: { comment: 'haproxy-1.5-dev21' } }, file('after', 'after the global header')]]);
    assert.deepEqual(await readdir(s.dest), ['after']);
    assert.equal(await readText(s.at('after')), 'after the global header');
  }));

describe('c/storage TestUntarUstarGnuConflict: long names in every encoding', () => {
  const plack = 'root/.cpanm/work/1395823785.24209/Plack-1.0030/blib/man3/Plack::Middleware::LighttpdScriptNameFix.3pm';
  // broken.tar holds a ustar prefix/name split beside a GNU base-256 uid; these write both, and
  // the GNU and PAX long-name forms too.
  for (const longNames of ['ustar-prefix', 'gnu', 'pax'] as const) {
    test(`a ${longNames} long name with a base-256 uid`, () =>
      withUnpackScene(async (s) => {
        const run = await s.apply([[{ name: plack, data: 'plack\n', longNames, uid: 3_000_000, gid: 3_000_001 }]]);
        assert.equal(await readText(s.at(plack)), 'plack\n');
        if (asRoot) {
          const st = await lstat(s.at(plack));
          assert.deepEqual([st.uid, st.gid], [3_000_000, 3_000_001], 'the base-256 owner is applied');
        } else assert.equal(await overrideStat(s.at(plack)), '3000000:3000001:0644:file', 'the base-256 owner is recorded');
        assert.deepEqual(run.warnings, []);
      }));
  }

  test('a GNU long link target', () =>
    withUnpackScene(async (s) => {
      const target = `/${'t'.repeat(200)}/target`;
      await s.apply([[{ name: 'longlink', type: 'symlink', linkname: target, longNames: 'gnu' }]]);
      await assertSymlink(s.at('longlink'), target);
    }));
});

describe('names from PAX and GNU extension records are cleaned as header names are', () => {
  test('a PAX path of ../victim/pwned lands in DIR/victim/pwned', () =>
    withUnpackScene(async (s) => {
      await s.apply([[{ name: 'innocent', data: 'inside', pax: { path: '../victim/pwned' } }]]);
      assert.equal(await readText(s.at('victim/pwned')), 'inside');
      assert.deepEqual(await readdir(s.dest), ['victim']);
    }));

  test('a GNU long name reaching for the victim lands in DIR/victim', () =>
    withUnpackScene(async (s) => {
      const name = `../victim/${'n'.repeat(120)}`;
      await s.apply([[{ name, data: 'inside', longNames: 'gnu' }]]);
      assert.equal(await readText(s.at(name.slice(3))), 'inside');
    }));

  // The header's own linkname names a file that exists: only the PAX linkpath makes this fail.
  test('a PAX linkpath to ../victim/hello on a hardlink: INVALID_LAYER', () =>
    withUnpackScene((s) =>
      s.rejects(
        [
          [
            { name: 'innocent', data: 'x' },
            { name: 'h', type: 'hardlink', linkname: 'innocent', pax: { linkpath: '../victim/hello' } },
          ],
        ],
        'INVALID_LAYER',
      ),
    ));
});
