import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, link, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withUnpackScene, type UnpackScene } from '../helpers/unpack-scene.js';

/*
 * The breakout tests are only as good as the check withUnpackScene makes after each of them: this
 * does to the victim, by hand, what a broken unpack would, and expects the scene to fail.
 */

const breakouts: Array<[string, (s: UnpackScene) => Promise<unknown>]> = [
  ['a write to victim/hello', (s) => writeFile(join(s.victim.dir, 'hello'), 'overwritten')],
  ['a chmod of victim/perm400', (s) => chmod(join(s.victim.dir, 'perm400'), 0o644)],
  ['a touch of victim/sub/file', (s) => utimes(join(s.victim.dir, 'sub', 'file'), 1, 1)],
  ['a new file in the victim', (s) => writeFile(join(s.victim.dir, 'new'), 'x')],
  ['a hardlink to victim/hello from inside DIR', (s) => mkdir(s.dest).then(() => link(join(s.victim.dir, 'hello'), s.at('hello')))],
  ['a copy of the victim content inside DIR (read breakout)', (s) => mkdir(s.dest).then(() => writeFile(s.at('copy'), s.victim.hello))],
  ['a new file beside DIR', (s) => writeFile(join(s.parent, 'escaped'), 'x')],
  ['a new file beside the store', (s) => writeFile(join(s.parent, '..', 'escaped'), 'x')],
];

describe('withUnpackScene catches what a breakout does', () => {
  for (const [name, breakout] of breakouts) {
    test(name, () => assert.rejects(withUnpackScene(breakout), assert.AssertionError));
  }

  test('and passes when nothing outside DIR changed', () => withUnpackScene((s) => mkdir(s.dest).then(() => writeFile(s.at('inside'), 'fine'))));
});
