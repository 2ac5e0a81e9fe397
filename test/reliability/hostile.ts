import { copyFile, mkdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { runLimited } from '../../src/io/run-limited.js';
import { blobOf, buildImage, OCI_INDEX, OCI_MANIFEST, type FixtureImage } from '../helpers/images.js';
import { testPki } from '../helpers/registry-pki.js';
import { startScriptedRegistry, type Route, type Script, type ScriptedRegistry } from '../helpers/scripted-registry.js';
import { insecure, type Sandbox } from '../engine/support.js';
import { checkStore } from './check-store.js';
import { MiB } from './fixtures.js';
import { crashKind, crashSigns, evidenceOf, expectCleanFailure } from './outcomes.js';
import type { Rng } from './rng.js';
import { check, checkAll, TrialFailure, type Category, type TrialResult } from './trial.js';
import type { World } from './world.js';

/** A hostile answer must be refused fast: no hostile case needs more than this to fail. */
const TIME_BOUND_MS = 10_000;

/**
 * A hostile registry (a small node:http server speaking the distribution API, since no real
 * registry misbehaves on purpose): oversized and endless documents, an index that is its own
 * instance, mislabelled media types, escape-laden JSON and headers, huge and endless tag lists, an
 * endless token answer, a token realm over plain HTTP. Each must fail cleanly within the time
 * bound, with nothing raw on the terminal and nothing half-written in the store.
 */
export const hostileRegistry: Category = {
  name: 'hostile-registry',
  checked: `oversized (8 MiB) and endless manifests, configs, layers and error bodies; an index answered as its own instance, an index of indexes, a redirect loop; mislabelled media types; ESC, NUL, CR/LF, BEL and U+009B in JSON strings, in invalid JSON, in headers, in error messages, tags and configs; 20 MiB, endless and endlessly paginated tag lists; an endless token answer; a plain-HTTP token realm: exit 125 with one Error: line within ${TIME_BOUND_MS / 1000} s, no stack trace, no raw control character, the store empty (or, where a pull may succeed, sound)`,
  count: (profile) => profile.trials['hostile-registry']!,
  async run(ctx) {
    const world = await ctx.world();
    // The test CA is made with synchronous openssl runs: now, before any pull is in flight.
    testPki();
    const registry = await startScriptedRegistry();
    const conf = await world.sandbox.conf('hostile.conf', insecure(registry.host));
    const results: TrialResult[] = [];
    try {
      await runLimited(
        ctx.trials(ctx.profile.trials['hostile-registry']!).map((trial) => async () => {
          const hostile = cases[trial % cases.length]!;
          results.push(
            await ctx.trial(trial, (rng, label) => {
              label(hostile.name);
              return runCase(world, { sandbox: world.sandbox, registry, conf, repository: `h/${trial}`, rng, trial }, hostile);
            }),
          );
        }),
        2,
      );
    } finally {
      await registry.stop();
    }
    return results.sort((a, b) => a.trial - b.trial);
  },
};

interface CaseContext {
  sandbox: Sandbox;
  registry: ScriptedRegistry;
  /** registries.conf marking the shared registry insecure. */
  conf: string;
  /** This trial's repository on the shared registry. */
  repository: string;
  rng: Rng;
  trial: number;
}

interface Pull {
  /** Image reference to pull. */
  name: string;
  flags?: string[];
  conf?: string;
  /** Checks beyond the outcome (e.g. what reached a server). */
  verify?: () => void;
  stop?: () => Promise<void>;
}

interface HostileCase {
  name: string;
  /** `fails` (default): a clean failure; `any`: a pull that may succeed, but never crashes or prints raw controls. */
  outcome?: 'fails' | 'any';
  setup(ctx: CaseContext): Pull | Promise<Pull>;
}

async function runCase(world: World, ctx: CaseContext, hostile: HostileCase): Promise<void> {
  const pull = await hostile.setup(ctx);
  try {
    const root = world.sandbox.root();
    const ran = await world.hoist(root, ['pull', '--retry', '0', ...(pull.flags ?? []), pull.name], {
      registriesConf: pull.conf ?? ctx.conf,
      timeoutMs: TIME_BOUND_MS,
    });
    await checkAll(
      () => {
        if (hostile.outcome !== 'any' || ran.status !== 0) return expectCleanFailure(ran, 'the pull');
        const signs = crashSigns(ran);
        if (signs.length > 0) throw new TrialFailure(`the pull succeeded but: ${signs.join('; ')}`, evidenceOf(ran), crashKind(ran));
      },
      async () => {
        const files = await checkStore(world, root, { noDeadTempFiles: true });
        // Where a pull may partly succeed (--all-tags), the images it completed may stay.
        if (ran.status !== 0 && hostile.outcome !== 'any') check(files.names.length === 0, `the failed pull recorded ${files.names.length} names`);
      },
      () => pull.verify?.(),
    );
  } finally {
    await pull.stop?.();
  }
}

// ---- answers ----

function send(res: ServerResponse, status: number, body: string | Buffer, contentType?: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...(contentType !== undefined ? { 'content-type': contentType } : {}),
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/** Sends `body` with chunked framing: no Content-Length announces its size. */
function sendChunked(res: ServerResponse, body: Buffer, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType });
  for (let at = 0; at < body.length; at += 64 * 1024) res.write(body.subarray(at, at + 64 * 1024));
  res.end();
}

/** `head`, then `filler` forever, until the client hangs up. */
async function sendEndless(res: ServerResponse, status: number, contentType: string, head: string, filler: string): Promise<void> {
  let open = true;
  res.on('close', () => (open = false));
  res.writeHead(status, { 'content-type': contentType });
  res.write(head);
  const chunk = Buffer.from(filler.repeat(Math.ceil((64 * 1024) / filler.length)));
  const drainedOrClosed = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  while (open) {
    if (!res.write(chunk)) await drainedOrClosed();
  }
}

const errorJson = (code: string, message: string, detail?: string) =>
  JSON.stringify({ errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] });

/** Answers manifests and blobs of `image` (its manifest under any tag), and whatever `override` takes first. */
function serving(image: FixtureImage, override?: (route: Route, res: ServerResponse) => boolean | Promise<boolean>): Script {
  return async (_req, res, route) => {
    if (override !== undefined && (await override(route, res))) return;
    const blob = route.kind === 'manifests' && !route.reference.includes(':') ? image.manifest : image.blobs.get(route.reference);
    if (blob === undefined) return send(res, 404, errorJson(route.kind === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', 'unknown'), 'application/json');
    send(res, 200, blob.data, route.kind === 'manifests' ? blob.mediaType : 'application/octet-stream', { 'docker-content-digest': blob.digest });
  };
}

/** A manifest document over a config and layers that need not exist (descriptors as given). */
function manifestOver(config: { digest: string; size: number }, layers: { digest: string; size: number }[] = [], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    ...extra,
  });
}

/** The characters a terminal acts on: ESC sequences (color, title, clear), NUL, CR/LF (fake lines), BEL, DEL, CSI. */
function escapeLaden(rng: Rng): string {
  const pieces = ['\u001b[31m', '\u001b]0;owned\u0007', '\u0000', '\r\nError: forged line\r\n', '\u009b2J', '\u007f', '\u001b[2K\r'];
  return `x${Array.from({ length: 4 }, () => rng.pick(pieces)).join('y')}z`;
}

const small = buildImage({ layers: [{ 'etc/hostile': 'a small layer\n' }] });
const name = (ctx: CaseContext, tag = '1') => `${ctx.registry.host}/${ctx.repository}:${tag}`;

/** Registers `script` for the trial's repository and pulls its tag 1. */
function scripted(ctx: CaseContext, script: Script, flags?: string[]): Pull {
  ctx.registry.script(ctx.repository, script);
  return { name: name(ctx), ...(flags !== undefined ? { flags } : {}) };
}

const manifestOnly = (ctx: CaseContext, answer: (res: ServerResponse, route: Route) => void | Promise<void>) =>
  scripted(
    ctx,
    serving(small, async (route, res) => {
      if (route.kind !== 'manifests') return false;
      await answer(res, route);
      return true;
    }),
  );

const oversizedManifest = () =>
  Buffer.from(manifestOver({ digest: small.config.digest, size: small.config.size }, [], { annotations: { pad: 'p'.repeat(8 * MiB) } }));

/** A tag list answer for `--all-tags`, the rest of the image served normally. */
const tagList = (ctx: CaseContext, answer: (res: ServerResponse, route: Route) => void | Promise<void>) => {
  ctx.registry.script(
    ctx.repository,
    serving(small, async (route, res) => {
      if (route.kind !== 'tags') return false;
      await answer(res, route);
      return true;
    }),
  );
  return { name: `${ctx.registry.host}/${ctx.repository}`, flags: ['--all-tags'] };
};

const cases: HostileCase[] = [
  // Sizes.
  { name: 'manifest of 8 MiB with its Content-Length', setup: (ctx) => manifestOnly(ctx, (res) => send(res, 200, oversizedManifest(), OCI_MANIFEST)) },
  { name: 'manifest of 8 MiB, chunked (no Content-Length)', setup: (ctx) => manifestOnly(ctx, (res) => sendChunked(res, oversizedManifest(), OCI_MANIFEST)) },
  { name: 'endless manifest', setup: (ctx) => manifestOnly(ctx, (res) => sendEndless(res, 200, OCI_MANIFEST, '{"schemaVersion":2,"annotations":{"a":"', 'a')) },
  {
    name: 'config of 8 MiB (valid JSON, true digest)',
    setup: (ctx) => {
      const config = blobOf(
        JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { pad: 'p'.repeat(8 * MiB) } }, rootfs: { type: 'layers', diff_ids: [] } }),
        'application/vnd.oci.image.config.v1+json',
      );
      const manifest = blobOf(manifestOver(config), OCI_MANIFEST);
      return scripted(
        ctx,
        serving({
          ...small,
          manifest,
          blobs: new Map([
            [config.digest, config],
            [manifest.digest, manifest],
          ]),
        }),
      );
    },
  },
  {
    name: 'endless config (its descriptor says 1 KiB)',
    setup: (ctx) => {
      const config = { digest: `sha256:${'c'.repeat(64)}`, size: 1024 };
      const manifest = blobOf(manifestOver(config), OCI_MANIFEST);
      return scripted(
        ctx,
        serving({ ...small, manifest }, async (route, res) => {
          if (route.kind !== 'blobs') return false;
          await sendEndless(res, 200, 'application/octet-stream', '{"os":"linux","pad":"', 'p');
          return true;
        }),
      );
    },
  },
  {
    name: 'endless layer (its descriptor says 64 KiB)',
    setup: (ctx) => {
      const layer = { digest: `sha256:${'e'.repeat(64)}`, size: 64 * 1024 };
      const manifest = blobOf(manifestOver(small.config, [layer]), OCI_MANIFEST);
      return scripted(
        ctx,
        serving({ ...small, manifest }, async (route, res) => {
          if (route.reference !== layer.digest) return false;
          await sendEndless(res, 200, 'application/octet-stream', '', '\u0000');
          return true;
        }),
      );
    },
  },
  {
    name: 'error answer with an endless body',
    setup: (ctx) => manifestOnly(ctx, (res) => sendEndless(res, 500, 'application/json', '{"errors":[{"code":"UNKNOWN","message":"', 'm')),
  },
  // Self-reference.
  {
    name: 'index whose instance is answered with the index itself',
    setup: (ctx) => {
      const index = blobOf(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [{ mediaType: OCI_MANIFEST, digest: small.manifest.digest, size: small.manifest.size, platform: { os: 'linux', architecture: 'amd64' } }],
        }),
        OCI_INDEX,
      );
      return manifestOnly(ctx, (res) => send(res, 200, index.data, OCI_INDEX));
    },
  },
  {
    name: 'index whose instance is another index',
    setup: (ctx) => {
      const inner = blobOf(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [{ mediaType: OCI_MANIFEST, digest: small.manifest.digest, size: small.manifest.size, platform: { os: 'linux', architecture: 'amd64' } }],
        }),
        OCI_INDEX,
      );
      const outer = blobOf(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [{ mediaType: OCI_MANIFEST, digest: inner.digest, size: inner.size, platform: { os: 'linux', architecture: 'amd64' } }],
        }),
        OCI_INDEX,
      );
      return manifestOnly(ctx, (res, route) =>
        route.reference === inner.digest ? send(res, 200, inner.data, OCI_INDEX) : send(res, 200, outer.data, OCI_INDEX),
      );
    },
  },
  {
    name: 'blob redirect loop',
    setup: (ctx) =>
      scripted(
        ctx,
        serving(small, (route, res) => {
          if (route.kind !== 'blobs') return false;
          send(res, 307, '', undefined, { location: route.url.pathname });
          return true;
        }),
      ),
  },
  // Mislabelled.
  { name: 'Content-Type of an index, body a manifest', setup: (ctx) => manifestOnly(ctx, (res) => send(res, 200, small.manifest.data, OCI_INDEX)) },
  {
    name: 'Content-Type of a manifest, body an index without mediaType',
    setup: (ctx) =>
      manifestOnly(ctx, (res) =>
        send(
          res,
          200,
          JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, digest: small.manifest.digest, size: small.manifest.size }] }),
          OCI_MANIFEST,
        ),
      ),
  },
  {
    name: 'Content-Type text/html, an HTML body',
    setup: (ctx) => manifestOnly(ctx, (res) => send(res, 200, '<html><body><h1>Welcome to nginx!</h1></body></html>', 'text/html')),
  },
  {
    name: 'schema 1 Content-Type',
    setup: (ctx) => manifestOnly(ctx, (res) => send(res, 200, small.manifest.data, 'application/vnd.docker.distribution.manifest.v1+prettyjws')),
  },
  {
    name: 'U+009B and DEL in the Content-Type header',
    setup: (ctx) => manifestOnly(ctx, (res) => send(res, 200, small.manifest.data, `application/vnd.oci.image.index.v1+json\u009b2J\u007f`)),
  },
  // Escapes.
  {
    name: 'escapes in the manifest mediaType (JSON-escaped)',
    setup: (ctx) =>
      manifestOnly(ctx, (res) =>
        send(
          res,
          200,
          JSON.stringify({
            schemaVersion: 2,
            mediaType: `application/x${escapeLaden(ctx.rng)}`,
            config: { mediaType: 'x', digest: small.config.digest, size: small.config.size },
            layers: [],
          }),
          'application/json',
        ),
      ),
  },
  {
    name: 'raw control bytes in invalid JSON',
    setup: (ctx) => manifestOnly(ctx, (res) => send(res, 200, Buffer.from(`{"schemaVersion":2,"mediaType":"${escapeLaden(ctx.rng)}"}`), OCI_MANIFEST)),
  },
  {
    name: 'escapes in a registry error message',
    setup: (ctx) => manifestOnly(ctx, (res) => send(res, 404, errorJson('MANIFEST_UNKNOWN', escapeLaden(ctx.rng), escapeLaden(ctx.rng)), 'application/json')),
  },
  {
    name: 'an error body of invalid JSON with raw control bytes',
    setup: (ctx) => manifestOnly(ctx, (res) => send(res, 500, Buffer.from(`{"errors":[{"code":"${escapeLaden(ctx.rng)}`), 'application/json')),
  },
  {
    name: 'escapes in a 401 challenge',
    setup: (ctx) =>
      manifestOnly(ctx, (res) =>
        send(res, 401, errorJson('UNAUTHORIZED', 'authentication required'), 'application/json', {
          'www-authenticate': `Bearer realm="http://127.0.0.1:1/token\u009b2J",service="s\u009b",error="insufficient_scope\u007f",error_description="\u00c2\u009b31m"`,
        }),
      ),
  },
  {
    name: 'escapes in tag names (--all-tags)',
    outcome: 'any',
    setup: (ctx) =>
      tagList(ctx, (res) =>
        send(res, 200, JSON.stringify({ name: ctx.repository, tags: ['1', escapeLaden(ctx.rng), 'a\r\nb', '\u009b2J'] }), 'application/json'),
      ),
  },
  {
    name: 'escapes in the config (os, architecture, labels)',
    outcome: 'any',
    setup: (ctx) => {
      const config = blobOf(
        JSON.stringify({
          architecture: `amd64${escapeLaden(ctx.rng)}`,
          os: `linux${escapeLaden(ctx.rng)}`,
          config: { Labels: { [escapeLaden(ctx.rng)]: escapeLaden(ctx.rng) } },
          rootfs: { type: 'layers', diff_ids: [] },
        }),
        'application/vnd.oci.image.config.v1+json',
      );
      const manifest = blobOf(manifestOver(config), OCI_MANIFEST);
      return scripted(
        ctx,
        serving({
          ...small,
          manifest,
          blobs: new Map([
            [config.digest, config],
            [manifest.digest, manifest],
          ]),
        }),
      );
    },
  },
  // Tag lists.
  {
    name: 'tag list of 20 MiB (--all-tags)',
    setup: (ctx) =>
      tagList(ctx, (res) =>
        send(
          res,
          200,
          JSON.stringify({ name: ctx.repository, tags: Array.from({ length: (20 * MiB) / 16 }, (_, i) => `t${String(i).padStart(12, '0')}`) }),
          'application/json',
        ),
      ),
  },
  {
    name: 'endless tag list (--all-tags)',
    setup: (ctx) => tagList(ctx, (res) => sendEndless(res, 200, 'application/json', `{"name":"${ctx.repository}","tags":["1"`, ',"t"')),
  },
  {
    name: 'endless tag pagination: every page links a new one (--all-tags)',
    setup: (ctx) =>
      tagList(ctx, (res, route) => {
        const page = Number(route.url.searchParams.get('last')?.slice(1) ?? 0) + 1;
        send(res, 200, JSON.stringify({ name: ctx.repository, tags: [`t${page}`] }), 'application/json', {
          link: `</v2/${ctx.repository}/tags/list?n=1&last=t${page}>; rel="next"`,
        });
      }),
  },
  {
    name: 'tag pagination that links to itself (--all-tags)',
    setup: (ctx) =>
      tagList(ctx, (res) =>
        send(res, 200, JSON.stringify({ name: ctx.repository, tags: ['1'] }), 'application/json', { link: `</v2/${ctx.repository}/tags/list>; rel="next"` }),
      ),
  },
  // Authentication.
  {
    name: 'endless token answer',
    setup: async (ctx) => {
      const own = await startScriptedRegistry({
        ping: (_req, res) =>
          send(res, 401, errorJson('UNAUTHORIZED', 'authentication required'), 'application/json', {
            'www-authenticate': `Bearer realm="http://${own.host}/token",service="hostile"`,
          }),
      });
      own.scriptPath('/token', (_req, res) => sendEndless(res, 200, 'application/json', '{"token":"', 't'));
      return { name: `${own.host}/h/token:1`, conf: await ctx.sandbox.conf(`hostile-${ctx.trial}.conf`, insecure(own.host)), stop: own.stop };
    },
  },
  {
    name: 'a token realm over plain HTTP for an HTTPS registry',
    outcome: 'any',
    setup: async (ctx) => {
      const pki = testPki();
      const realm = await startScriptedRegistry();
      realm.scriptPath('/token', (_req, res) => send(res, 200, JSON.stringify({ token: 'anonymous' }), 'application/json'));
      const tls = await startScriptedRegistry({
        tls: { cert: pki.pem(pki.serverCert), key: pki.pem(pki.serverKey) },
        ping: (req, res) => {
          if (req.headers.authorization === 'Bearer anonymous') return send(res, 200, '{}', 'application/json');
          send(res, 401, errorJson('UNAUTHORIZED', 'authentication required'), 'application/json', {
            'www-authenticate': `Bearer realm="http://${realm.host}/token",service="hostile"`,
          });
        },
      });
      tls.script('h/realm', serving(small));
      const certDir = join(ctx.sandbox.dir, `certs-${ctx.trial}`);
      await mkdir(certDir, { recursive: true });
      await copyFile(pki.caCert, join(certDir, 'ca.crt'));
      return {
        name: `${tls.host}/h/realm:1`,
        flags: ['--cert-dir', certDir, '--creds', 'hoist:secret-password'],
        conf: await ctx.sandbox.conf(`hostile-${ctx.trial}.conf`, ''),
        verify: () => {
          const sent = realm.requests.filter((r) => r.authorization !== undefined);
          check(sent.length === 0, `credentials went over plain HTTP to the token realm (${sent.length} requests with Authorization)`);
        },
        stop: async () => {
          await tls.stop();
          await realm.stop();
        },
      };
    },
  },
];
