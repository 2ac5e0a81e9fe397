import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { cliPath, repoRoot, runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { assertBlobsHashToTheirNames, storeSnapshot } from '../helpers/tmp.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// Ctrl-C (SIGINT) and SIGTERM in the middle of a pull: exit 130/143, temp files removed, nothing
// committed; kill -9: the next pull resumes the partial layer. A trickling proxy keeps the large
// layer downloading long enough to interrupt it.
const small = buildImage({ layers: [{ 'etc/small': 'already here\n' }] });
const big = buildImage({ layers: [{ 'etc/small-first': 'a small layer\n' }, { 'var/big.bin': randomBytes(4 * 1024 * 1024) }] });
const bigLayer = big.layers[1]!;

let sandbox: Sandbox;
let registry: RegistryHandle;
let slow: { host: string; server: Server; sent: number; ranges: (string | undefined)[] };
let conf: string;

/** Forwards to the registry; the big layer's body comes in small pieces, slowly. */
async function startTrickleProxy(upstream: RegistryHandle): Promise<typeof slow> {
  const target = new URL(upstream.url);
  const state = { host: '', server: undefined as unknown as Server, sent: 0, ranges: [] as (string | undefined)[] };
  state.server = createServer((req, res) => {
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      async (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (!(req.method === 'GET' && req.url?.endsWith(`/blobs/${bigLayer.digest}`))) return void upRes.pipe(res);
        state.ranges.push(req.headers.range);
        res.on('close', () => upRes.destroy());
        for await (const chunk of upRes as AsyncIterable<Buffer>) {
          for (let at = 0; at < chunk.length && !res.destroyed; at += 16 * 1024) {
            const piece = chunk.subarray(at, at + 16 * 1024);
            res.write(piece);
            state.sent += piece.length;
            await sleep(25);
          }
          if (res.destroyed) return;
        }
        res.end();
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.host = `127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  await pushImage(registry, 'sig/small', small, '1');
  await pushImage(registry, 'sig/big', big, '1');
  slow = await startTrickleProxy(registry);
  conf = await sandbox.conf('registries.conf', insecure(slow.host));
});
after(async () => {
  slow?.server.closeAllConnections();
  await new Promise((resolve) => slow?.server.close(resolve));
  await registry?.stop();
  await sandbox?.remove();
});

/** Starts `hoist pull` of the big image, sends `signal` once its large layer is downloading. */
async function interruptedPull(root: string, signal: NodeJS.Signals): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(sandbox.cliEnv)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  delete env.DEBUG;
  const args = ['--root', root, 'pull', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0', `${slow.host}/sig/big:1`];
  const child = spawn(process.execPath, [cliPath, ...args], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const closed = new Promise<RunResult>((resolve) => child.on('close', (status, sig) => resolve({ status, signal: sig, stdout, stderr })));
  const startedAt = slow.sent;
  const deadline = Date.now() + 30_000;
  while (!(stderr.includes(`Copying blob ${bigLayer.digest}`) && slow.sent - startedAt >= 256 * 1024)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the pull never got into the large layer: ${stderr}`);
    }
    await sleep(20);
  }
  child.kill(signal);
  return closed;
}

describe('interrupting a pull', () => {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    test(`${signal}: exit ${status}, no temp files, nothing committed`, async () => {
      const root = sandbox.root();
      const first = await runHoist(
        ['--root', root, 'pull', '--quiet', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), `${slow.host}/sig/small:1`],
        { env: sandbox.cliEnv },
      );
      assert.equal(first.status, 0, first.stderr);
      const before = await storeSnapshot(root);
      assert.ok(before.index?.includes(small.manifest.digest));

      const result = await interruptedPull(root, signal);
      assert.equal(result.status, status, `status ${result.status} (${result.signal}): ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`interrupted by ${signal}`));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');

      const afterwards = await storeSnapshot(root);
      assert.deepEqual(afterwards.tmp, []);
      assert.equal(afterwards.index, before.index);
      assert.ok(!afterwards.blobs.includes(bigLayer.digest));
      // Blobs verified before the interruption stay (unnamed; rmi collects them), and only those.
      const kept = afterwards.blobs.filter((d) => !before.blobs.includes(d));
      assert.ok(
        kept.every((d) => big.blobs.has(d)),
        `only blobs of the interrupted image: ${kept}`,
      );
      await assertBlobsHashToTheirNames(root, afterwards.blobs);
    });
  }

  test("SIGKILL mid-layer: the next pull reclaims the dead process's files and resumes the layer with a Range request", async () => {
    const root = sandbox.root();
    const result = await interruptedPull(root, 'SIGKILL');
    assert.equal(result.signal, 'SIGKILL');
    const left = await storeSnapshot(root);
    const partial = `ingest-sha256-${bigLayer.digest.slice(7)}`;
    assert.ok(left.tmp.includes(partial), `the partial layer is left: ${left.tmp}`);
    const have = (await stat(join(root, 'tmp', partial))).size;
    assert.ok(have > 0 && have < bigLayer.size, `partial size ${have}`);
    await writeFile(join(root, 'tmp', `inflight-${await deadPid()}-0123456789ab.json`), '');

    const rangesBefore = slow.ranges.length;
    const sentBefore = slow.sent;
    const again = await runHoist(
      ['--root', root, 'pull', '--quiet', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), `${slow.host}/sig/big:1`],
      { env: sandbox.cliEnv },
    );
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(slow.ranges.slice(rangesBefore), [`bytes=${have}-`], 'one request, for the rest of the layer');
    assert.equal(slow.sent - sentBefore, bigLayer.size - have, 'only the missing bytes were sent');
    const done = await storeSnapshot(root);
    assert.deepEqual(done.tmp, [], 'nothing of the dead process is left');
    assert.ok(done.blobs.includes(bigLayer.digest));
    await assertBlobsHashToTheirNames(root, done.blobs);
  });
});

/** The pid of a process that has exited (spawned asynchronously: a sync spawn would stall the registry's log pipe). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}
