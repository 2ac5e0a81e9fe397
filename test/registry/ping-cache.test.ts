import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { filePingCache, type PingAnswer } from '../../src/registry/ping-cache.js';
import { runHoist } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { makeScratch, type Scratch } from '../helpers/registry-pull.js';
import { startTcpCounter, type TcpCounter } from '../helpers/tcp-counter.js';

const image = buildImage({ layers: [{ 'token.txt': 'behind a token\n' }] });
let scratch: Scratch;
before(async () => (scratch = await makeScratch()));
after(async () => scratch.remove());

describe('the last ping answer, kept in the store', () => {
  let registry: RegistryHandle;
  let counter: TcpCounter;
  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    await pushImage(registry, 'ping/app', image, 'v1');
    // Every answer of the registry comes 200 ms late: what happens before the ping's answer is told apart from what follows it.
    counter = await startTcpCounter(registry.host, { answerDelayMs: 200 });
  });
  after(async () => {
    await counter.stop();
    await registry.stop();
  });

  const hoistPull = async (root: string, ...flags: string[]) => {
    const creds = `${registry.username}:${registry.password}`;
    const result = await runHoist(['--root', root, 'pull', '-q', '--tls-verify=false', '--creds', creds, ...flags, `${counter.host}/ping/app:v1`], {
      env: scratch.env,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), image.id);
  };
  const pingsSince = (connections: number) =>
    counter.connections
      .slice(connections)
      .flatMap((c) => c.requests)
      .filter((r) => r.line.startsWith('GET /v2/ '));

  test('a registry that asked for a token last time gets its token request beside the ping, not after it', async () => {
    const root = join(scratch.dir, 'beside');
    const issuer = registry.tokenIssuer!;
    let connections = counter.connections.length;
    let tokens = issuer.requests.length;
    await hoistPull(root);
    // The first contact knows nothing: the token request follows the ping's answer.
    assert.ok(issuer.requestTimes[tokens]! > pingsSince(connections)[0]!.answeredAt!);
    const cached = JSON.parse(await readFile(join(root, 'registry-pings.json'), 'utf8')) as Record<string, PingAnswer>;
    assert.deepEqual(Object.keys(cached), [`insecure ${counter.host}`]);
    assert.equal(cached[`insecure ${counter.host}`]!.challenges[0]!.params.realm, issuer.realm);

    connections = counter.connections.length;
    tokens = issuer.requests.length;
    await hoistPull(root, '--policy', 'newer');
    const ping = pingsSince(connections)[0]!;
    assert.equal(issuer.requests.length, tokens + 1, 'one token request');
    assert.ok(issuer.requestTimes[tokens]! < ping.answeredAt!, `token at ${issuer.requestTimes[tokens]!}, ping answered at ${ping.answeredAt}`);
  });

  test('an answer that no longer holds costs only the early token: the ping decides, and the record is corrected', async () => {
    const root = join(scratch.dir, 'stale');
    await hoistPull(root);
    const file = join(root, 'registry-pings.json');
    const stale: PingAnswer = {
      origin: `http://${counter.host}`,
      challenges: [{ scheme: 'bearer', params: { realm: 'http://127.0.0.1:9/token', service: 'elsewhere' } }],
      supportsSignatureExtension: false,
    };
    await writeFile(file, JSON.stringify({ [`insecure ${counter.host}`]: stale }));
    await hoistPull(root, '--policy', 'always');
    const corrected = JSON.parse(await readFile(file, 'utf8')) as Record<string, PingAnswer>;
    assert.equal(corrected[`insecure ${counter.host}`]!.challenges[0]!.params.realm, registry.tokenIssuer!.realm);
  });
});

describe('an insecure registry that answered over plain HTTP last time', () => {
  let plain: RegistryHandle;
  let tlsRegistry: RegistryHandle;
  let counter: TcpCounter;
  before(async () => {
    [plain, tlsRegistry] = await Promise.all([startRegistry(), startRegistry({ tls: true })]);
    await Promise.all([pushImage(plain, 'ping/plain', image, 'v1'), pushImage(tlsRegistry, 'ping/tls', image, 'v1')]);
    counter = await startTcpCounter(plain.host);
  });
  after(async () => {
    await counter.stop();
    await Promise.all([plain.stop(), tlsRegistry.stop()]);
  });
  const insecurePull = async (root: string, name: string) => {
    const result = await runHoist(['--root', root, 'pull', '-q', '--tls-verify=false', '--policy', 'always', name], { env: scratch.env });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), image.id);
  };

  test('is asked over HTTP at once: no TLS attempt that fails every time', async () => {
    const root = join(scratch.dir, 'plain-first');
    const tlsAttempts = (from: number) => counter.connections.slice(from).filter((c) => c.requests.length === 0).length;
    let from = counter.connections.length;
    await insecurePull(root, `${counter.host}/ping/plain:v1`);
    assert.equal(tlsAttempts(from), 1, 'first contact: https first, as Podman');
    from = counter.connections.length;
    await insecurePull(root, `${counter.host}/ping/plain:v1`);
    assert.equal(tlsAttempts(from), 0);
  });

  test('that now speaks TLS only is reached over https after the plain-HTTP try fails', async () => {
    const root = join(scratch.dir, 'now-tls');
    await insecurePull(root, `${tlsRegistry.host}/ping/tls:v1`);
    const file = join(root, 'registry-pings.json');
    const recorded = JSON.parse(await readFile(file, 'utf8')) as Record<string, PingAnswer>;
    const key = `insecure ${tlsRegistry.host}`;
    assert.equal(recorded[key]!.origin, `https://${tlsRegistry.host}`);
    await writeFile(file, JSON.stringify({ [key]: { ...recorded[key]!, origin: `http://${tlsRegistry.host}` } }));
    await insecurePull(root, `${tlsRegistry.host}/ping/tls:v1`);
    const corrected = JSON.parse(await readFile(file, 'utf8')) as Record<string, PingAnswer>;
    assert.equal(corrected[key]!.origin, `https://${tlsRegistry.host}`);
  });
});

describe('filePingCache', () => {
  const answer = (realm: string): PingAnswer => ({
    origin: 'https://r.example',
    challenges: [{ scheme: 'bearer', params: { realm } }],
    supportsSignatureExtension: false,
  });
  let tmp = 0;
  const cacheAt = (path: string) => filePingCache(path, () => join(scratch.dir, `pings-tmp-${++tmp}`));

  test('what one process records, the next one reads; secure and insecure are kept apart', async () => {
    const path = join(scratch.dir, 'pings-roundtrip.json');
    await cacheAt(path).set('r.example', false, answer('https://auth.example/token'));
    const next = cacheAt(path);
    assert.deepEqual(await next.get('r.example', false), answer('https://auth.example/token'));
    assert.equal(await next.get('r.example', true), undefined);
  });

  test('content it did not write is no answer: malformed JSON, wrong shapes, an oversized file', async () => {
    const cases = [
      '{not json',
      '[]',
      JSON.stringify({ 'secure r.example': { origin: 1, challenges: [], supportsSignatureExtension: false } }),
      JSON.stringify({
        'secure r.example': { origin: 'https://r.example', challenges: [{ scheme: 'bearer', params: { realm: 7 } }], supportsSignatureExtension: false },
      }),
      JSON.stringify({ 'secure r.example': answer('x'), pad: 'x'.repeat(70_000) }),
    ];
    for (const [i, content] of cases.entries()) {
      const path = join(scratch.dir, `pings-bad-${i}.json`);
      await writeFile(path, content);
      assert.equal(await cacheAt(path).get('r.example', false), undefined, content.slice(0, 60));
    }
  });

  test('two processes that read the file before either wrote it keep both their answers', async () => {
    const path = join(scratch.dir, 'pings-two-writers.json');
    const first = cacheAt(path);
    const second = cacheAt(path);
    assert.equal(await first.get('a.example', false), undefined);
    assert.equal(await second.get('b.example', false), undefined);
    await first.set('a.example', false, answer('https://auth.a.example/token'));
    await second.set('b.example', false, answer('https://auth.b.example/token'));
    const later = cacheAt(path);
    assert.deepEqual(await later.get('a.example', false), answer('https://auth.a.example/token'));
    assert.deepEqual(await later.get('b.example', false), answer('https://auth.b.example/token'));
  });

  test('it keeps the 64 registries answered last', async () => {
    const path = join(scratch.dir, 'pings-bounded.json');
    const cache = cacheAt(path);
    for (let i = 0; i < 70; i++) await cache.set(`r${i}.example`, false, answer(`https://auth${i}.example/token`));
    const kept = Object.keys(JSON.parse(await readFile(path, 'utf8')) as object);
    assert.equal(kept.length, 64);
    assert.ok(kept.includes('secure r69.example') && !kept.includes('secure r5.example'));
  });
});
