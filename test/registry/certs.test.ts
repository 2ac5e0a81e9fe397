import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultCertsBases, loadRegistryCerts } from '../../src/config/certs/index.js';

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'hoist-certs-'))));
after(async () => rm(dir, { recursive: true, force: true }));

test('the user base comes first, under $HOME/.config', () => {
  assert.deepEqual(defaultCertsBases({ HOME: '/h' }), ['/h/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']);
});

test('first existing HOST:PORT directory; .crt are CAs, .cert/.key pairs are client certificates', async () => {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  await mkdir(join(b, 'reg.example:5000'), { recursive: true });
  await writeFile(join(b, 'reg.example:5000', 'ca.crt'), 'CA');
  await writeFile(join(b, 'reg.example:5000', 'me.cert'), 'CERT');
  await writeFile(join(b, 'reg.example:5000', 'me.key'), 'KEY');
  assert.deepEqual(await loadRegistryCerts('reg.example:5000', { bases: [a, b] }), {
    dir: join(b, 'reg.example:5000'),
    ca: ['CA'],
    clientCerts: [{ cert: 'CERT', key: 'KEY' }],
  });
  assert.equal(await loadRegistryCerts('reg.example', { bases: [a, b] }), undefined);
});

test('--cert-dir is used for any host, without searching', async () => {
  const own = join(dir, 'own');
  await mkdir(own, { recursive: true });
  await writeFile(join(own, 'extra.crt'), 'X');
  assert.deepEqual((await loadRegistryCerts('any.example', { certDir: own, bases: ['/nonexistent'] }))?.ca, ['X']);
});
