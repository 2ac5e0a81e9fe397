import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { explainResolution, pull } from '../../src/engine/index.js';
import { isHoistError, MultiError } from '../../src/errors.js';
import type { Candidate } from '../../src/shortnames/index.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { capture, deadHost, insecure, makeSandbox, pullOptions, type Sandbox } from './support.js';

// Short-name resolution end to end: real registries, test-written registries.conf files.
const one = buildImage({ layers: [{ 'etc/tag': 'one\n' }] });
const latest = buildImage({ layers: [{ 'etc/tag': 'latest\n' }] });
const onlyB = buildImage({ layers: [{ 'etc/where': 'only on B\n' }] });
const bothA = buildImage({ layers: [{ 'etc/where': 'both, this is A\n' }] });
const bothB = buildImage({ layers: [{ 'etc/where': 'both, this is B\n' }] });
const bothB2 = buildImage({ layers: [{ 'etc/where': 'both, this is B, moved\n' }] });

let sandbox: Sandbox;
let a: RegistryHandle;
let b: RegistryHandle;
let dead: string;

before(async () => {
  sandbox = await makeSandbox();
  [a, b] = await Promise.all([startRegistry(), startRegistry()]);
  dead = await deadHost();
  await pushImage(a, 'hoist-e2e/app', one, '1');
  await pushImage(a, 'hoist-e2e/app', latest, 'latest');
  await pushImage(a, 'mirror-ns/team/app', one, '1');
  await pushImage(b, 'hoist-e2e/only-b', onlyB, '1');
  await pushImage(a, 'hoist-e2e/both', bothA, '1');
  await pushImage(b, 'hoist-e2e/both', bothB, '1');
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await sandbox?.remove();
});

const search = (hosts: string[], mode?: string) =>
  `unqualified-search-registries = [${hosts.map((h) => JSON.stringify(h)).join(', ')}]\n${mode ? `short-name-mode = "${mode}"\n` : ''}`;
const noPrompt = (): Promise<Candidate> => Promise.reject(new Error('the prompt must not be used'));

describe('unqualified-search registries', () => {
  test('a dead first registry falls through to the second', async () => {
    const conf = await sandbox.conf('search-dead.conf', search([dead, a.host]) + insecure(dead, a.host));
    const events = capture();
    const store = await sandbox.store();
    const [image] = await pull('hoist-e2e/app:1', { ...pullOptions(sandbox, conf), store, onEvent: events.onEvent });
    assert.deepEqual(events.tried(), [`${dead}/hoist-e2e/app:1`, `${a.host}/hoist-e2e/app:1`]);
    assert.deepEqual(
      events.of('resolved').map((e) => e.message),
      [`Resolving "hoist-e2e/app" using unqualified-search registries (${conf})`],
    );
    assert.equal(image!.id, one.id);
    assert.deepEqual(image!.names, [`${a.host}/hoist-e2e/app:1`]);
    assert.equal((await store.lookup(`${a.host}/hoist-e2e/app:1`))?.id, one.id);
  });

  test('permissive without a TTY tries every candidate in order, without prompting', async () => {
    const conf = await sandbox.conf('permissive.conf', search([a.host, b.host], 'permissive') + insecure(a.host, b.host));
    const events = capture();
    const [image] = await pull('hoist-e2e/only-b:1', {
      ...pullOptions(sandbox, conf),
      store: await sandbox.store(),
      isTTY: false,
      prompt: noPrompt,
      onEvent: events.onEvent,
    });
    assert.deepEqual(events.tried(), [`${a.host}/hoist-e2e/only-b:1`, `${b.host}/hoist-e2e/only-b:1`]);
    assert.equal(image!.id, onlyB.id);
  });

  test('disabled tries every candidate and never prompts, even at a TTY', async () => {
    const conf = await sandbox.conf('disabled.conf', search([a.host, b.host], 'disabled') + insecure(a.host, b.host));
    const events = capture();
    const [image] = await pull('hoist-e2e/only-b:1', {
      ...pullOptions(sandbox, conf),
      store: await sandbox.store(),
      isTTY: true,
      prompt: noPrompt,
      onEvent: events.onEvent,
    });
    assert.deepEqual(events.tried(), [`${a.host}/hoist-e2e/only-b:1`, `${b.host}/hoist-e2e/only-b:1`]);
    assert.equal(image!.id, onlyB.id);
  });

  test('enforcing without a TTY fails before trying anything', async () => {
    const conf = await sandbox.conf('enforcing.conf', search([a.host, b.host], 'enforcing') + insecure(a.host, b.host));
    const events = capture();
    await assert.rejects(
      pull('hoist-e2e/only-b:1', { ...pullOptions(sandbox, conf), store: await sandbox.store(), isTTY: false, onEvent: events.onEvent }),
      (err: unknown) => isHoistError(err, 'SHORT_NAME') && err.message === 'short-name resolution enforced but cannot prompt without a TTY',
    );
    assert.deepEqual(events.tried(), []);
  });

  test('a library pull without a prompt never prompts, even when told it has a TTY: enforcing fails as without one', async () => {
    const conf = await sandbox.conf('enforcing-lib.conf', search([a.host, b.host], 'enforcing') + insecure(a.host, b.host));
    const events = capture();
    await assert.rejects(
      pull('hoist-e2e/only-b:1', { ...pullOptions(sandbox, conf), store: await sandbox.store(), isTTY: true, onEvent: events.onEvent }),
      (err: unknown) => isHoistError(err, 'SHORT_NAME'),
    );
    assert.deepEqual(events.tried(), []);
  });

  test('every candidate failing reports each failure, and logs a pull-error per candidate', async () => {
    const conf = await sandbox.conf('all-fail.conf', search([dead, a.host]) + insecure(dead, a.host));
    const store = await sandbox.store();
    await assert.rejects(pull('hoist-e2e/nope:1', { ...pullOptions(sandbox, conf), store }), (err: unknown) => {
      assert.ok(err instanceof MultiError, String(err));
      const lines = err.message.split('\n');
      assert.equal(lines[0], '2 errors occurred while pulling:');
      assert.equal(lines.length, 3, err.message);
      assert.match(lines[1]!, new RegExp(`^ \\* .*${dead.replace(/\./g, '\\.')}.*connection refused`));
      assert.match(lines[2]!, /^ \* .*(manifest unknown|name unknown)/i);
      assert.ok(lines[2]!.includes('hoist-e2e/nope'), lines[2]);
      return true;
    });
    const events = await store.readEvents();
    assert.deepEqual(
      events.map((e) => [e.type, e.input, e.resolved, e.result]),
      [
        ['pull-error', 'hoist-e2e/nope:1', `${dead}/hoist-e2e/nope:1`, 'error'],
        ['pull-error', 'hoist-e2e/nope:1', `${a.host}/hoist-e2e/nope:1`, 'error'],
      ],
    );
  });
});

describe('local images first', () => {
  test("a short name that matches a local image is pulled under that image's name", async () => {
    const conf = await sandbox.conf('local-name.conf', search([a.host, b.host]) + insecure(a.host, b.host));
    const store = await sandbox.store();
    await pull(`${b.host}/hoist-e2e/both:1`, { ...pullOptions(sandbox, conf), store });
    // Up to date on B: nothing to say, nothing pulled (A, first in the search list, has another image).
    const unchanged = capture();
    const [same] = await pull('hoist-e2e/both:1', { ...pullOptions(sandbox, conf), store, policy: 'newer', onEvent: unchanged.onEvent });
    assert.equal(same!.id, bothB.id);
    assert.deepEqual(unchanged.tried(), []);
    assert.deepEqual(unchanged.of('resolved'), []);
    // Moved on B: newer pulls it from B.
    await pushImage(b, 'hoist-e2e/both', bothB2, '1');
    for (const policy of ['newer', 'always'] as const) {
      const events = capture();
      const [image] = await pull('hoist-e2e/both:1', { ...pullOptions(sandbox, conf), store, policy, onEvent: events.onEvent });
      assert.deepEqual(events.tried(), [`${b.host}/hoist-e2e/both:1`], policy);
      assert.equal(image!.id, bothB2.id, policy);
    }
  });

  test('a local localhost/NAME answers NAME without a request', async () => {
    const conf = await sandbox.conf('localhost.conf', search([a.host]) + insecure(a.host));
    const store = await sandbox.store();
    await pull(`${a.host}/hoist-e2e/app:1`, { ...pullOptions(sandbox, conf), store });
    await store.tag(`${a.host}/hoist-e2e/app:1`, ['localhost/hoist-local:latest']);
    await store.remove([`${a.host}/hoist-e2e/app:1`]);
    for (const policy of ['missing', 'never'] as const) {
      const events = capture();
      const [image] = await pull('hoist-local', { ...pullOptions(sandbox, conf), store, policy, onEvent: events.onEvent });
      assert.equal(image!.id, one.id);
      assert.deepEqual(image!.names, ['localhost/hoist-local:latest']);
      assert.deepEqual(events.tried(), []);
    }
  });
});

describe('aliases', () => {
  test('an alias resolves the name, and the tag given is applied to it', async () => {
    const conf = await sandbox.conf('aliases.conf', `${search([dead])}[aliases]\n"hoist-alias" = "${a.host}/hoist-e2e/app"\n\n${insecure(a.host, dead)}`);
    const tagged = capture();
    const store = await sandbox.store();
    const [image] = await pull('hoist-alias:1', { ...pullOptions(sandbox, conf), store, onEvent: tagged.onEvent });
    assert.deepEqual(
      tagged.of('resolved').map((e) => e.message),
      [`Resolved "hoist-alias" as an alias (${conf})`],
    );
    assert.deepEqual(tagged.tried(), [`${a.host}/hoist-e2e/app:1`]);
    assert.equal(image!.id, one.id);

    const untagged = capture();
    const [dflt] = await pull('hoist-alias', { ...pullOptions(sandbox, conf), store, onEvent: untagged.onEvent });
    assert.deepEqual(untagged.tried(), [`${a.host}/hoist-e2e/app:latest`]);
    assert.equal(dflt!.id, latest.id);
    assert.deepEqual(dflt!.names, [`${a.host}/hoist-e2e/app:latest`]);
  });
});

describe('the prompt and the alias cache', () => {
  test('a choice is recorded only after a successful pull, with mode 0600, and used the next time', async () => {
    const conf = await sandbox.conf('prompt.conf', search([a.host, b.host], 'enforcing') + insecure(a.host, b.host));
    const cache = sandbox.aliasCache();
    const offered: string[][] = [];
    const choose = (index: number) => async (candidates: Candidate[]) => {
      offered.push(candidates.map((c) => `${c.reference.domain}/${c.reference.path}:${c.reference.tag}`));
      return candidates[index]!;
    };

    // Choosing A, where the image is not: the pull fails and nothing is recorded.
    await assert.rejects(
      pull('hoist-e2e/only-b:1', { ...pullOptions(sandbox, conf), aliasCache: cache, store: await sandbox.store(), isTTY: true, prompt: choose(0) }),
    );
    await assert.rejects(stat(cache), { code: 'ENOENT' });

    const chosen = capture();
    const [image] = await pull('hoist-e2e/only-b:1', {
      ...pullOptions(sandbox, conf),
      aliasCache: cache,
      store: await sandbox.store(),
      isTTY: true,
      prompt: choose(1),
      onEvent: chosen.onEvent,
    });
    assert.deepEqual(offered[1], [`${a.host}/hoist-e2e/only-b:1`, `${b.host}/hoist-e2e/only-b:1`]);
    assert.deepEqual(chosen.tried(), [`${b.host}/hoist-e2e/only-b:1`]);
    assert.equal(image!.id, onlyB.id);
    assert.equal((await stat(cache)).mode & 0o777, 0o600);
    assert.match(await readFile(cache, 'utf8'), new RegExp(`"?hoist-e2e/only-b"? = "${b.host}/hoist-e2e/only-b"`));

    // Next time: no prompt, the recorded alias answers (a fresh store, so the registry is asked).
    const next = capture();
    const [again] = await pull('hoist-e2e/only-b:1', {
      ...pullOptions(sandbox, conf),
      aliasCache: cache,
      store: await sandbox.store(),
      isTTY: true,
      prompt: noPrompt,
      onEvent: next.onEvent,
    });
    assert.deepEqual(
      next.of('resolved').map((e) => e.message),
      [`Resolved "hoist-e2e/only-b" as an alias (${cache})`],
    );
    assert.deepEqual(next.tried(), [`${b.host}/hoist-e2e/only-b:1`]);
    assert.equal(again!.id, onlyB.id);

    const explained = await explainResolution('hoist-e2e/only-b:1', { env: sandbox.env, registriesConf: conf, aliasCache: cache });
    assert.deepEqual(
      explained.candidates.map((c) => [c.reference, c.origin, c.file]),
      [[`${b.host}/hoist-e2e/only-b:1`, 'alias-cache', cache]],
    );
  });
});

describe('[[registry]] tables', () => {
  test('a blocked registry is refused with the file that blocks it, and a short name moves on', async () => {
    const conf = await sandbox.conf('blocked.conf', `${search([a.host, b.host])}[[registry]]\nlocation = "${a.host}"\nblocked = true\n\n${insecure(b.host)}`);
    await assert.rejects(
      pull(`${a.host}/hoist-e2e/app:1`, { ...pullOptions(sandbox, conf), store: await sandbox.store() }),
      (err: unknown) => isHoistError(err, 'BLOCKED_REGISTRY') && err.message === `registry ${a.host} is blocked in ${conf}`,
    );
    const events = capture();
    const [image] = await pull('hoist-e2e/only-b:1', { ...pullOptions(sandbox, conf), store: await sandbox.store(), onEvent: events.onEvent });
    assert.deepEqual(events.tried(), [`${a.host}/hoist-e2e/only-b:1`, `${b.host}/hoist-e2e/only-b:1`]);
    assert.equal(image!.id, onlyB.id);
  });

  test('docker://NAME is normalized to docker.io, never resolved as a short name', async () => {
    // docker.io/hoist-e2e is rewritten to the test registry, so nothing leaves the machine.
    const conf = await sandbox.conf(
      'docker-transport.conf',
      `${search([b.host])}[[registry]]\nprefix = "docker.io/hoist-e2e"\nlocation = "${a.host}/hoist-e2e"\ninsecure = true\n\n${insecure(b.host)}`,
    );
    const events = capture();
    const store = await sandbox.store();
    const [image] = await pull('docker://hoist-e2e/app:1', { ...pullOptions(sandbox, conf), store, onEvent: events.onEvent });
    assert.deepEqual(events.tried(), ['docker.io/hoist-e2e/app:1']);
    assert.deepEqual(events.of('resolved'), []);
    assert.equal(image!.id, one.id);
    assert.deepEqual(image!.names, ['docker.io/hoist-e2e/app:1']);
  });

  test('location rewrites the prefix, and the image is stored under the name asked for', async () => {
    const conf = await sandbox.conf('rewrite.conf', `[[registry]]\nprefix = "example.test"\nlocation = "${a.host}/mirror-ns"\ninsecure = true\n`);
    const store = await sandbox.store();
    const events = capture();
    const [image] = await pull('example.test/team/app:1', { ...pullOptions(sandbox, conf), store, onEvent: events.onEvent });
    assert.equal(image!.id, one.id);
    assert.deepEqual(image!.names, ['example.test/team/app:1']);
    assert.deepEqual(events.tried(), ['example.test/team/app:1']);
    assert.deepEqual(
      (await store.images()).map((r) => r.names),
      [['example.test/team/app:1']],
    );
  });
});
