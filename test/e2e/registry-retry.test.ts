import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runHoist, startHoist, type RunResult } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { deadHost, makeSandbox, type Sandbox } from '../engine/support.js';

// Retries as a CI log shows them: one warning per retry in Podman's words, on stderr as
// `Warning: …` and as a JSON event with --progress json.
let sandbox: Sandbox;
let upstream: RegistryHandle;
const image = buildImage({ format: 'docker', layers: [{ 'retry.txt': 'retried\n' }] });

before(async () => {
  sandbox = await makeSandbox();
  upstream = await startRegistry();
  await pushImage(upstream, 'retry/app', image, 'v1');
});
after(async () => {
  await upstream?.stop();
  await sandbox?.remove();
});

function pullArgs(args: string[]): string[] {
  return ['--root', sandbox.root(), 'pull', '--alias-cache', sandbox.aliasCache(), ...args];
}

function hoist(args: string[]): Promise<RunResult> {
  return runHoist(pullArgs(args), { env: sandbox.cliEnv });
}

const RETRY_WARNING = /^Warning: Failed, retrying in \d+(\.\d+)?m?s \.\.\. \((\d)\/(\d)\)\. Error: (.*)$/;

function retryWarnings(stderr: string): RegExpExecArray[] {
  return stderr
    .split('\n')
    .map((line) => RETRY_WARNING.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
}

describe('hoist pull retries what may pass, and says so', () => {
  test('a registry that starts listening only after a second is pulled with --retry 3, each retry a RETRY event', { timeout: 60_000 }, async () => {
    const host = await deadHost();
    const started = startHoist(pullArgs(['--tls-verify=false', '--progress', 'json', '--retry', '3', `${host}/retry/app:v1`]), { env: sandbox.cliEnv });
    await sleep(1000);
    // The real registry, on the port hoist was refused at: a pull-through cache of the upstream one.
    const late = await startRegistry({ port: Number(host.split(':')[1]), proxyRemoteUrl: upstream.url });
    let result: RunResult;
    try {
      result = await started.result;
    } finally {
      await late.stop();
    }
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), image.id);
    const events = result.stderr
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { type: string; code?: string; message?: string });
    const retries = events.filter((e) => e.type === 'warning' && e.code === 'RETRY');
    assert.ok(retries.length >= 1 && retries.length <= 3, result.stderr);
    retries.forEach((e, i) => {
      assert.match(e.message!, new RegExp(`^Failed, retrying in \\S+ \\.\\.\\. \\(${i + 1}/3\\)\\. Error: cannot connect to ${host}: connection refused$`));
    });
  });

  test('a refused connection is tried --retry times, one warning each, then fails with the refusal', { timeout: 30_000 }, async () => {
    const host = await deadHost();
    const result = await hoist(['--retry', '3', '--retry-delay', '50ms', `${host}/retry/app:v1`]);
    assert.equal(result.status, 125, result.stderr);
    const warnings = retryWarnings(result.stderr);
    assert.deepEqual(
      warnings.map((m) => `${m[2]}/${m[3]} ${m[4]}`),
      [1, 2, 3].map((n) => `${n}/3 cannot connect to ${host}: connection refused`),
    );
    assert.ok(
      warnings.every((m) => m[0].includes('retrying in 50ms')),
      result.stderr,
    );
    assert.equal(result.stderr.trimEnd().split('\n').at(-1), `Error: cannot connect to ${host}: connection refused`);
  });

  test('--retry 0 fails at once, with no retry warning', async () => {
    const host = await deadHost();
    const startedAt = Date.now();
    const result = await hoist(['--retry', '0', `${host}/retry/app:v1`]);
    assert.equal(result.status, 125, result.stderr);
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [`Trying to pull ${host}/retry/app:v1...`, `Error: cannot connect to ${host}: connection refused`]);
    assert.ok(Date.now() - startedAt < 5000, 'no pause before the error');
  });

  describe('a connection reset in the middle of a request', () => {
    let proxy: FaultProxy;
    before(async () => (proxy = await startFaultProxy(upstream)));
    after(async () => proxy?.stop());

    test('is retried, with a warning on stderr', async () => {
      proxy.inject({ method: 'GET', path: /\/manifests\/v1$/, fault: { kind: 'reset', afterBytes: 10 }, times: 1 });
      const result = await hoist(['--tls-verify=false', '--progress', 'plain', '--retry', '3', '--retry-delay', '100ms', `${proxy.host}/retry/app:v1`]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), image.id);
      const warnings = retryWarnings(result.stderr);
      assert.equal(warnings.length, 1, result.stderr);
      assert.equal(`${warnings[0]![2]}/${warnings[0]![3]}`, '1/3');
      assert.match(warnings[0]![4]!, new RegExp(`${proxy.host.replace(/\./g, '\\.')}`));
      assert.equal(proxy.matching('GET', /\/manifests\/v1$/).length, 2, 'the manifest was asked for twice');
    });
  });
});
