import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEntryName, resolveLinkTarget } from '../../src/archive/entry-name.js';

test('normalizeEntryName drops ./, empty components and trailing slashes', () => {
  assert.deepEqual(normalizeEntryName('./manifest.json'), { name: 'manifest.json' });
  assert.deepEqual(normalizeEntryName('blobs//sha256/./abc'), { name: 'blobs/sha256/abc' });
  assert.deepEqual(normalizeEntryName('dir/'), { name: 'dir' });
  assert.deepEqual(normalizeEntryName('./'), { name: '' });
});

test('normalizeEntryName refuses absolute names and .. components', () => {
  assert.deepEqual(normalizeEntryName('/etc/passwd'), { problem: 'entry name "/etc/passwd" is an absolute path' });
  assert.deepEqual(normalizeEntryName('a/../../b'), { problem: 'entry name "a/../../b" has a ".." component' });
  assert.deepEqual(normalizeEntryName('..'), { problem: 'entry name ".." has a ".." component' });
});

test('resolveLinkTarget resolves against the link directory, within the archive', () => {
  assert.deepEqual(resolveLinkTarget('b/layer.tar', '../a/layer.tar'), { name: 'a/layer.tar' });
  assert.deepEqual(resolveLinkTarget('layer.tar', './other.tar'), { name: 'other.tar' });
  assert.deepEqual(resolveLinkTarget('b/layer.tar', '../../x'), { problem: 'symlink "b/layer.tar" points outside the archive ("../../x")' });
  assert.deepEqual(resolveLinkTarget('b/layer.tar', '/etc/passwd'), { problem: 'symlink "b/layer.tar" points at an absolute path "/etc/passwd"' });
});
