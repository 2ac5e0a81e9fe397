import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat } from 'node:fs/promises';
import { getAttribute } from '@napi-rs/xattr';
import type { LayerEntry } from '../helpers/layers.js';
import { overrideStat, readText, withUnpackScene, type UnpackRun } from '../helpers/unpack-scene.js';

/*
 * Cases only an unprivileged caller has. Not a *.test.ts file: rootless.test.ts runs it, with the
 * conformance files, as uid 65534; run as root it would assert nothing true.
 */

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
const count = (run: UnpackRun, code: string) => run.warnings.filter((w) => w.code === code).length;

test('this file runs unprivileged', () => {
  assert.notEqual(uid, 0, 'rootless-cases must run as a non-root uid (rootless.test.ts spawns it so)');
});

test('mode-000 and read-only directories, nested and across layers, do not stop the unpack', () =>
  withUnpackScene(async (s) => {
    await s.apply([
      [
        { name: 'a', type: 'dir', mode: 0o000 },
        { name: 'a/b', type: 'dir', mode: 0o000 },
        { name: 'a/b/c', data: 'deep' },
        { name: 'ro', type: 'dir', mode: 0o555 },
      ],
      [
        { name: 'a/b/later', data: 'later' },
        { name: 'ro/child', data: 'child' },
      ],
    ]);
    assert.equal((await lstat(s.at('a'))).mode & 0o7777, 0);
    assert.equal((await lstat(s.at('ro'))).mode & 0o7777, 0o555);
    await chmod(s.at('a'), 0o700);
    assert.equal((await lstat(s.at('a/b'))).mode & 0o7777, 0);
    await chmod(s.at('a/b'), 0o700);
    assert.equal(await readText(s.at('a/b/c')), 'deep');
    assert.equal(await readText(s.at('a/b/later')), 'later');
    assert.equal(await readText(s.at('ro/child')), 'child');
    assert.equal(await overrideStat(s.at('a')), '0:0:0000:dir');
    assert.equal(await overrideStat(s.at('a/b')), '0:0:0000:dir');
  }));

test('override_stat is UID:GID:MODE:TYPE, and only where the header owner is not the caller', () =>
  withUnpackScene(async (s) => {
    const entries: Array<[LayerEntry, string | undefined]> = [
      [{ name: 'root-file', data: 'x' }, '0:0:0644:file'],
      [{ name: 'root-dir', type: 'dir', mode: 0o750 }, '0:0:0750:dir'],
      [{ name: 'suid', data: 'x', mode: 0o4755, uid: 0, gid: 0 }, '0:0:4755:file'],
      [{ name: 'other', data: 'x', mode: 0o600, uid: 1000, gid: 100 }, '1000:100:0600:file'],
      [{ name: 'mine', data: 'x', uid, gid }, undefined],
      [{ name: 'mine-dir', type: 'dir', uid, gid }, undefined],
      [{ name: 'my-uid-other-gid', data: 'x', uid, gid: 0 }, `${uid}:0:0644:file`],
      [{ name: 'pax-owner', data: 'x', uid, gid, pax: { uid: '7', gid: '8' } }, '7:8:0644:file'],
    ];
    const run = await s.apply([entries.map(([e]) => e)]);
    for (const [e, want] of entries) {
      assert.equal(await overrideStat(s.at(e.name)), want, e.name);
      const st = await lstat(s.at(e.name));
      assert.deepEqual([st.uid, st.gid], [uid, gid], `${e.name} is the caller's`);
    }
    assert.equal(count(run, 'OWNERSHIP_NOT_RECORDED'), 0, 'this file system takes user xattrs');
  }));

test("a symlink's owner is dropped without failing; a FIFO is a real FIFO", () =>
  withUnpackScene(async (s) => {
    await s.apply([
      [
        { name: 'link', type: 'symlink', linkname: 'target', uid: 0, gid: 0 },
        { name: 'fifo', type: 'fifo', uid: 0, gid: 0 },
      ],
    ]);
    assert.ok((await lstat(s.at('link'))).isSymbolicLink());
    assert.ok((await lstat(s.at('fifo'))).isFIFO());
  }));

test('warnings come once per unpack, however many entries and layers cause them', async () => {
  for (const attempt of [1, 2]) {
    await withUnpackScene(async (s) => {
      const run = await s.apply([
        [
          { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
          { name: 'f', data: 'x', pax: { 'SCHILY.xattr.security.capability': 'cap', 'SCHILY.xattr.trusted.t': 'y' } },
        ],
        [
          { name: 'dev/zero', type: 'char', mode: 0o666, devmajor: 1, devminor: 5 },
          { name: 'dev/sda', type: 'block', mode: 0o660, devmajor: 8, devminor: 0 },
          { name: 'g', data: 'x', pax: { 'SCHILY.xattr.system.posix_acl_access': 'acl', 'SCHILY.xattr.user.ok': 'yes' } },
        ],
      ]);
      assert.equal(count(run, 'DEVICE_PLACEHOLDER'), 1, `unpack ${attempt}: one DEVICE_PLACEHOLDER`);
      assert.equal(count(run, 'XATTR_SKIPPED'), 1, `unpack ${attempt}: one XATTR_SKIPPED`);
      assert.equal(run.events.filter((e) => e.type === 'warning').length, run.warnings.length, 'each warning is an event too');
      assert.equal(await overrideStat(s.at('dev/zero')), '0:0:0666:char-1-5');
      assert.equal(await overrideStat(s.at('dev/sda')), '0:0:0660:block-8-0');
      assert.equal(await getAttribute(s.at('f'), 'security.capability'), null, 'no security.* without root');
      assert.equal((await getAttribute(s.at('g'), 'user.ok'))?.toString(), 'yes');
    });
  }
});

// The record is the unpack's own: a layer that carries one could claim any owner and mode (a
// setuid-root file) for a file the caller owns. Not in the spec's words (user.* are applied);
// the implementation skips it, and this keeps it so.
test('a layer cannot forge user.containers.override_stat', () =>
  withUnpackScene(async (s) => {
    const forged = { 'SCHILY.xattr.user.containers.override_stat': '0:0:4755:file' };
    const run = await s.apply([
      [
        { name: 'mine', data: 'x', uid, gid, pax: forged },
        { name: 'roots', data: 'x', uid: 0, gid: 0, pax: forged },
      ],
    ]);
    assert.equal(await overrideStat(s.at('mine')), undefined);
    assert.equal(await overrideStat(s.at('roots')), '0:0:0644:file');
    assert.equal(count(run, 'XATTR_SKIPPED'), 1);
  }));
