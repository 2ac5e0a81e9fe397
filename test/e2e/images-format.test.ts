import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, runHoist, type RunResult } from '../helpers/cli.js';
import { buildImage, writeDirImage, type FixtureImage } from '../helpers/images.js';
import { pushImage } from '../helpers/push.js';
import { startRegistry, type RegistryHandle } from '../helpers/registry.js';
import { insecure, makeSandbox, type Sandbox } from '../engine/support.js';

// `hoist images`, `inspect` and `events` as scripts use them: Podman's flags, filters, sorts,
// --format templates and JSON, through the bundled CLI, over images pulled from a real registry.
const alpha = buildImage({ layers: [{ 'etc/a': 'a\n' }], labels: { k: 'v', other: 'x' }, created: '2023-01-01T00:00:00Z' });
const beta = buildImage({ layers: [{ 'etc/b': 'b'.repeat(5000) }], labels: { k: 'w' }, created: '2024-01-01T00:00:00Z' });
const gamma = buildImage({ layers: [{ 'etc/c': 'c\n' }, { 'etc/d': 'd\n' }], labels: {}, created: '2025-01-01T00:00:00Z' });
const loose = buildImage({ layers: [{ 'etc/loose': 'no name\n' }], created: '2022-01-01T00:00:00Z' });
const storedSize = (img: FixtureImage) => img.config.size + img.layers.reduce((s, l) => s + l.size, 0);

let sandbox: Sandbox;
let registry: RegistryHandle;
let root: string;
let host: string;

const hoist = (args: string[]) => runHoist(['--root', root, ...args], { env: sandbox.cliEnv });

function ok(result: RunResult): string {
  assert.equal(result.status, 0, `hoist failed: ${result.stderr}`);
  return result.stdout;
}

function fails(result: RunResult, line: RegExp): void {
  assert.equal(result.status, 125, result.stderr);
  assert.equal(result.stdout, '');
  const lines = result.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, line);
  assert.ok(lines.length <= 2 && lines.slice(1).every((l) => l.startsWith('Hint: ')), result.stderr);
}

const lines = (stdout: string) => stdout.trimEnd().split('\n');
const short = (img: FixtureImage) => img.id.slice(0, 12);

before(async () => {
  sandbox = await makeSandbox();
  registry = await startRegistry();
  host = registry.host;
  await pushImage(registry, 'team/alpha', alpha, ['1', '2']);
  await pushImage(registry, 'team/beta', beta, '1');
  await pushImage(registry, 'other/gamma', gamma, 'latest');
  root = sandbox.root();
  const conf = await sandbox.conf('registries.conf', insecure(host));
  for (const name of ['team/alpha:1', 'team/alpha:2', 'team/beta:1', 'other/gamma:latest']) {
    ok(await hoist(['pull', '-q', '--registries-conf', conf, '--alias-cache', sandbox.aliasCache(), '--retry', '0', `${host}/${name}`]));
  }
  const looseDir = join(sandbox.dir, 'loose');
  await writeDirImage(looseDir, loose);
  ok(await hoist(['pull', '-q', `dir:${looseDir}`]));
});
after(async () => {
  await registry?.stop();
  await sandbox?.remove();
});

describe('hoist images: flags', () => {
  test('the default table: newest first, one row per name, STORED SIZE the bytes stored', async () => {
    const [header, ...rows] = lines(ok(await hoist(['images'])));
    assert.match(header!, /^REPOSITORY +TAG +IMAGE ID +CREATED +STORED SIZE$/);
    assert.deepEqual(
      rows.map((r) => r.split(/ {2,}/).slice(0, 3)),
      [
        [`${host}/other/gamma`, 'latest', short(gamma)],
        [`${host}/team/beta`, '1', short(beta)],
        [`${host}/team/alpha`, '1', short(alpha)],
        [`${host}/team/alpha`, '2', short(alpha)],
      ],
    );
    assert.match(rows[1]!, / 5\.\d+ kB$|\d+ B$/);
  });

  test('-q prints each image ID once; --no-trunc the whole sha256: ID; -a adds the dangling one', async () => {
    assert.deepEqual(lines(ok(await hoist(['images', '-q']))), [short(gamma), short(beta), short(alpha)]);
    assert.deepEqual(
      lines(ok(await hoist(['images', '--quiet', '--no-trunc']))),
      [gamma, beta, alpha].map((i) => `sha256:${i.id}`),
    );
    assert.deepEqual(lines(ok(await hoist(['images', '-a', '-q']))), [short(gamma), short(beta), short(alpha), short(loose)]);
    const all = lines(ok(await hoist(['images', '--all', '--no-trunc'])));
    assert.match(all.at(-1)!, new RegExp(`^<none> +<none> +sha256:${loose.id} `));
  });

  test('--noheading and -n drop the header; --digests adds DIGEST after TAG', async () => {
    assert.equal(lines(ok(await hoist(['images', '--noheading'])))[0]!.startsWith(`${host}/other/gamma `), true);
    assert.equal(lines(ok(await hoist(['images', '-n']))).length, 4);
    const [header, first] = lines(ok(await hoist(['images', '--digests'])));
    assert.match(header!, /^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +STORED SIZE$/);
    assert.match(first!, new RegExp(`^${host}/other/gamma +latest +${gamma.manifest.digest} +${short(gamma)} `));
  });

  test('a positional name filters as reference= does: the name, its repository or its last components', async () => {
    const ids = async (...args: string[]) => lines(ok(await hoist(['images', '--format', '{{.Repository}}:{{.Tag}}', ...args])));
    assert.deepEqual(await ids('alpha'), [`${host}/team/alpha:1`, `${host}/team/alpha:2`]);
    assert.deepEqual(await ids('team/*'), [`${host}/team/beta:1`, `${host}/team/alpha:1`, `${host}/team/alpha:2`]);
    assert.deepEqual(await ids(`${host}/team/beta:1`), [`${host}/team/beta:1`]);
    assert.deepEqual(await ids('--filter', 'reference=*alpha*'), [`${host}/team/alpha:1`, `${host}/team/alpha:2`]);
    assert.equal(ok(await hoist(['images', '-q', 'nothing-like-it'])), '');
  });

  test('--filter label=, label!=, dangling=, before=, since=, id=; one key twice is either, two keys are both', async () => {
    const ids = async (...filters: string[]) => lines(ok(await hoist(['images', '-q', ...filters.flatMap((f) => ['--filter', f])]))).filter(Boolean);
    assert.deepEqual(await ids('label=k'), [short(beta), short(alpha)]);
    assert.deepEqual(await ids('label=k=v'), [short(alpha)]);
    assert.deepEqual(await ids('label!=k'), [short(gamma)]);
    assert.deepEqual(await ids('label=k=v', 'label=k=w'), [short(beta), short(alpha)]);
    assert.deepEqual(await ids('label=k', 'reference=beta'), [short(beta)]);
    assert.deepEqual(await ids('label=k=w', 'reference=alpha'), []);
    assert.deepEqual(await ids('dangling=true'), [short(loose)]);
    assert.deepEqual(await ids('dangling=false'), [short(gamma), short(beta), short(alpha)]);
    assert.deepEqual(await ids(`before=${host}/team/beta:1`), [short(alpha)]);
    assert.deepEqual(await ids(`since=${host}/team/beta:1`), [short(gamma)]);
    assert.deepEqual(await ids(`id=${beta.id.slice(0, 6)}`), [short(beta)]);
    assert.deepEqual(await ids(`id=sha256:${gamma.id}`), [short(gamma)]);
  });

  test('--sort created, id, repository, size, tag', async () => {
    const order = async (key: string) =>
      lines(ok(await hoist(['images', '--sort', key, '--format', '{{.Repository}}:{{.Tag}}']))).map((l) => l.slice(host.length + 1));
    assert.deepEqual(await order('created'), ['other/gamma:latest', 'team/beta:1', 'team/alpha:1', 'team/alpha:2']);
    const byId = [alpha, beta, gamma].sort((a, b) => (a.id < b.id ? -1 : 1)).map((i) => i.id);
    assert.deepEqual(
      lines(ok(await hoist(['images', '--sort', 'id', '--format', '{{.Id}}']))).filter((v, i, all) => all.indexOf(v) === i),
      byId,
    );
    assert.deepEqual(await order('repository'), ['other/gamma:latest', 'team/alpha:1', 'team/alpha:2', 'team/beta:1']);
    const bySize = [alpha, beta, gamma].sort((a, b) => storedSize(a) - storedSize(b)).map((i) => i.id);
    assert.deepEqual(
      lines(ok(await hoist(['images', '--sort', 'size', '--format', '{{.Id}}']))).filter((v, i, all) => all.indexOf(v) === i),
      bySize,
    );
    assert.deepEqual(await order('tag'), ['team/beta:1', 'team/alpha:1', 'team/alpha:2', 'other/gamma:latest']);
  });

  test('bad flags: one Error line, exit 125', async () => {
    fails(await hoist(['images', '--filter', 'bogus=1']), /^Error: unsupported image filter "bogus"$/);
    fails(await hoist(['images', '--filter', 'dangling=maybe']), /^Error: invalid value "maybe" for filter dangling: expected true or false$/);
    fails(await hoist(['images', '--filter', 'nokey']), /^Error: invalid filter "nokey": expected KEY=VALUE$/);
    fails(await hoist(['images', '--filter', 'before=nothere']), /^Error: nothere: image not known$/);
    fails(await hoist(['images', '--sort', 'nope']), /^Error: "nope" is not a valid field for sorting; choose from: created, id, repository, size, tag$/);
    fails(await hoist(['images', '--format', '{{.Nope}}']), /^Error: invalid --format template "\{\{\.Nope\}\}": no field "Nope" .* at position 3$/);
    fails(await hoist(['images', '--format', '{{.ID']), /^Error: invalid --format template "\{\{\.ID": unclosed action at position 1$/);
  });
});

describe('hoist images --format', () => {
  test("templates over podman images' fields, and table with headers", async () => {
    const beta1 = ok(
      await hoist([
        'images',
        `${host}/team/beta:1`,
        '--format',
        '{{.ID}} {{.Id}} {{.Repository}}:{{.Tag}} {{.Digest}} {{.CreatedAt}} {{.Size}} {{.VirtualSize}}',
      ]),
    );
    assert.equal(
      beta1,
      `${short(beta)} ${beta.id} ${host}/team/beta:1 ${beta.manifest.digest} 2024-01-01 00:00:00 +0000 UTC ${humanStored(beta)} ${storedSize(beta)}\n`,
    );
    const extra = ok(await hoist(['images', 'alpha', '--format', '{{.CreatedSince}}|{{.Labels}}|{{.Names}}|{{.Dangling}}|{{.Containers}}|{{json .RepoTags}}']));
    assert.match(
      lines(extra)[0]!,
      new RegExp(
        `^\\d+ years ago\\|map\\[k:v other:x\\]\\|\\[${host}/team/alpha:1 ${host}/team/alpha:2\\]\\|false\\|0\\|\\["${host}/team/alpha:1","${host}/team/alpha:2"\\]$`,
      ),
    );
    const table = lines(ok(await hoist(['images', 'gamma', '--format', 'table {{.ID}} {{.Repository}}:{{.Tag}}\t{{.Size}} {{.CreatedSince}}'])));
    assert.match(table[0]!, /^IMAGE ID +REPOSITORY:TAG +STORED SIZE +CREATED$/);
    assert.match(table[1]!, new RegExp(`^${short(gamma)} +${host}/other/gamma:latest +\\S+ k?B +\\d+ (years|months) ago$`));
    assert.equal(lines(ok(await hoist(['images', 'gamma', '--noheading', '--format', 'table {{.ID}}']))).join(), short(gamma));
    assert.equal(lines(ok(await hoist(['images', 'gamma', '--format', 'table'])))[0], lines(ok(await hoist(['images', 'gamma'])))[0]);
  });

  test("json and {{json .}}: podman images' JSON, one object per image", async () => {
    const listed = JSON.parse(ok(await hoist(['images', '--format', 'json', 'alpha']))) as Record<string, unknown>[];
    assert.deepEqual(listed, [
      {
        Id: alpha.id,
        ParentId: '',
        RepoTags: [`${host}/team/alpha:1`, `${host}/team/alpha:2`],
        RepoDigests: [`${host}/team/alpha@${alpha.manifest.digest}`],
        Size: storedSize(alpha),
        SharedSize: 0,
        VirtualSize: storedSize(alpha),
        Labels: { k: 'v', other: 'x' },
        Containers: 0,
        Names: [`${host}/team/alpha:1`, `${host}/team/alpha:2`],
        Digest: alpha.manifest.digest,
        Created: Date.parse('2023-01-01T00:00:00Z') / 1000,
        CreatedAt: '2023-01-01T00:00:00Z',
        Dangling: false,
      },
    ]);
    assert.deepEqual(JSON.parse(ok(await hoist(['images', '--format', '{{json .}}', 'alpha']))), listed);
  });
});

function humanStored(img: FixtureImage): string {
  const bytes = storedSize(img);
  return bytes < 1000 ? `${bytes} B` : `${Number((bytes / 1000).toPrecision(3))} kB`;
}

describe('hoist inspect', () => {
  test("JSON in podman image inspect's fields and types", async () => {
    const [info] = JSON.parse(ok(await hoist(['inspect', `${host}/team/alpha:1`]))) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(info!), [
      'Id',
      'Digest',
      'RepoTags',
      'RepoDigests',
      'Parent',
      'Comment',
      'Created',
      'Config',
      'Version',
      'Author',
      'Architecture',
      'Os',
      'Size',
      'VirtualSize',
      'RootFS',
      'Labels',
      'Annotations',
      'ManifestType',
      'User',
      'History',
      'Names',
      'Pulled',
      'Dangling',
    ]);
    assert.equal(info!.Created, '2023-01-01T00:00:00Z');
    assert.deepEqual(info!.RootFS, { Type: 'layers', Layers: alpha.diffIds });
    assert.deepEqual(info!.History, [{ created: '2024-01-02T03:04:05Z', created_by: 'hoist test fixture' }]);
    assert.equal(info!.Size, storedSize(alpha));
    assert.equal(info!.VirtualSize, storedSize(alpha));
    assert.deepEqual(info!.Annotations, {});
    assert.equal(info!.User, '');
  });

  test('--format: a template per image, Created as a Go time, json forms', async () => {
    const out = ok(
      await hoist([
        'inspect',
        '--format',
        '{{.ID}} {{.Created}} {{json .RootFS}} {{.Labels.k}} {{.Config.Cmd}}',
        `${host}/team/alpha:1`,
        `${host}/team/beta:1`,
      ]),
    );
    assert.deepEqual(lines(out), [
      `${alpha.id} 2023-01-01 00:00:00 +0000 UTC {"Type":"layers","Layers":["${alpha.diffIds[0]}"]} v [/bin/sh]`,
      `${beta.id} 2024-01-01 00:00:00 +0000 UTC {"Type":"layers","Layers":["${beta.diffIds[0]}"]} w [/bin/sh]`,
    ]);
    const json = JSON.parse(ok(await hoist(['inspect', '-f', 'json', short(gamma)]))) as { Id: string }[];
    assert.deepEqual(
      json.map((i) => i.Id),
      [gamma.id],
    );
    fails(await hoist(['inspect', '--format', '{{.Id', short(gamma)]), /^Error: invalid --format template "\{\{\.Id": unclosed action at position 1$/);
  });
});

describe('hoist events --format', () => {
  test("a template over Podman's event fields and hoist's; json stays JSON lines", async () => {
    const out = lines(ok(await hoist(['events', '--format', '{{.Type}} {{.Status}} {{.Name}} {{.ID}} {{.Policy}} {{.Result}}'])));
    assert.deepEqual(out, [
      `image pull ${host}/team/alpha:1 ${alpha.id} always pulled`,
      `image pull ${host}/team/alpha:2 ${alpha.id} always pulled`,
      `image pull ${host}/team/beta:1 ${beta.id} always pulled`,
      `image pull ${host}/other/gamma:latest ${gamma.id} always pulled`,
    ]);
    assert.match(lines(ok(await hoist(['events', '--format', '{{.Time}}'])))[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/);
    const json = lines(ok(await hoist(['events', '--format', '{{json .}}']))).map((l) => JSON.parse(l) as { id: string });
    assert.deepEqual(
      json.map((e) => e.id),
      [alpha.id, alpha.id, beta.id, gamma.id],
    );
  });
});

/** Why podman cannot take part here, or undefined when it can (it pulls from the loopback registry into a scratch root). */
function podmanAbsent(): string | undefined {
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) return 'podman is not installed';
  return undefined;
}

describe('beside podman', () => {
  const absent = podmanAbsent();
  test("hoist images --format '{{.ID}} {{.Repository}}:{{.Tag}}' prints what podman prints for the same image", { skip: absent }, async (t) => {
    const podmanRoot = join(sandbox.dir, 'podman');
    const podman = (args: string[]) =>
      run('podman', ['--root', join(podmanRoot, 'storage'), '--runroot', join(podmanRoot, 'run'), '--storage-driver', 'vfs', ...args], { timeoutMs: 120_000 });
    try {
      const pulled = await podman(['pull', '-q', '--tls-verify=false', `${host}/team/alpha:1`]);
      if (pulled.status !== 0) {
        t.skip(`podman cannot pull here: ${pulled.stderr.trim().split('\n').at(-1)}`);
        return;
      }
      const format = '{{.ID}} {{.Repository}}:{{.Tag}}';
      const theirs = await podman(['images', '--format', format]);
      assert.equal(theirs.status, 0, theirs.stderr);
      assert.equal(ok(await hoist(['images', `${host}/team/alpha:1`, '--format', format])).split('\n')[0], theirs.stdout.split('\n')[0]);
      // inspect: the fields both have agree; hoist leaves out what it cannot know.
      const [podmanInfo] = JSON.parse((await podman(['image', 'inspect', `${host}/team/alpha:1`])).stdout) as Record<string, unknown>[];
      const [hoistInfo] = JSON.parse(ok(await hoist(['inspect', `${host}/team/alpha:1`]))) as Record<string, unknown>[];
      const unknowable = ['GraphDriver', 'NamesHistory', 'Size', 'VirtualSize'];
      const shared = Object.keys(podmanInfo!).filter((k) => !unknowable.includes(k));
      assert.deepEqual(
        shared.filter((k) => !(k in hoistInfo!)),
        [],
      );
      const pick = (info: Record<string, unknown>) => Object.fromEntries(shared.filter((k) => k !== 'RepoTags').map((k) => [k, info[k]]));
      assert.deepEqual(pick(hoistInfo!), pick(podmanInfo!));
    } finally {
      await podman(['rmi', '-a', '-f']);
      await rm(podmanRoot, { recursive: true, force: true });
    }
  });
});
