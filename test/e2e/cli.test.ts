import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, writeDirImage, writeOciLayout, type FixtureImage } from '../helpers/images.js';
import { repoRoot, runHoist, type RunResult } from '../helpers/cli.js';
import { makeTempDir, removeDir, storeSnapshot, assertNothingRecorded } from '../helpers/tmp.js';

const progressLine = /^(Getting image source signatures|Copying (blob|config) |Writing manifest to image destination)/;
const hello = buildImage({ layers: [{ 'etc/hello': 'hello\n' }, { 'etc/world': 'world\n' }], labels: { 'org.example.e2e': 'yes' } });
const loose = buildImage({ layers: [{ 'etc/loose': 'in a dir\n' }] });
const blobsOf = (image: FixtureImage) => [...image.blobs.values()];

let work: string;
let helloLayout: string;
let looseDir: string;
let root = '';
let storeCount = 0;

/** A fresh store root for one test. */
function newRoot(): string {
  return join(work, `store-${storeCount++}`);
}

const hoist = (args: string[], options?: Parameters<typeof runHoist>[1]) => runHoist(['--root', root, ...args], options);

function assertOk(result: RunResult): void {
  assert.equal(result.status, 0, `hoist failed: ${result.stderr}`);
}

before(async () => {
  work = await makeTempDir();
  helloLayout = join(work, 'hello');
  looseDir = join(work, 'loose');
  await writeOciLayout(helloLayout, [{ top: hello.manifest, refName: '1.0' }], blobsOf(hello));
  await writeDirImage(looseDir, loose);
});

after(() => removeDir(work));

describe('hoist pull', () => {
  before(() => (root = newRoot()));

  test('prints exactly the image ID on stdout and Podman progress lines on stderr', async () => {
    const result = await hoist(['pull', `oci:${helloLayout}:1.0`]);
    assertOk(result);
    assert.equal(result.stdout, `${hello.id}\n`);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'Getting image source signatures');
    assert.deepEqual(lines.slice(1, -2).sort(), [`Copying config ${hello.config.digest}`, ...hello.layers.map((l) => `Copying blob ${l.digest}`)].sort());
    assert.equal(lines.at(-2), 'Writing manifest to image destination');
    // Then hoist's one summary line (issue 13: a pull says what it fetched); Podman has none.
    assert.match(lines.at(-1)!, new RegExp(`^Pulled localhost/hello:1\\.0 \\(${hello.id.slice(0, 12)}\\): \\S+ fetched, in [\\d.]+ s$`));
  });

  test('a second pull skips what is stored', async () => {
    const result = await hoist(['pull', `oci:${helloLayout}:1.0`]);
    assertOk(result);
    assert.equal(result.stdout, `${hello.id}\n`);
    for (const blob of [...hello.layers]) assert.ok(result.stderr.includes(`Copying blob ${blob.digest} skipped: already exists\n`), result.stderr);
  });

  test('--quiet prints nothing on stderr; several names print one ID each', async () => {
    const result = await hoist(['pull', '--quiet', `oci:${helloLayout}:1.0`, `dir:${looseDir}`]);
    assertOk(result);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, `${hello.id}\n${loose.id}\n`);
  });

  test('HOIST_ROOT picks the store; --root wins over it', async () => {
    const envRoot = newRoot();
    const viaEnv = await runHoist(['pull', '-q', `dir:${looseDir}`], { env: { HOIST_ROOT: envRoot } });
    assertOk(viaEnv);
    assert.match(await readFile(join(envRoot, 'index.json'), 'utf8'), new RegExp(loose.config.digest));
    const images = await runHoist(['images', '--all', '--format', 'json'], { env: { HOIST_ROOT: envRoot } });
    assert.deepEqual(
      (JSON.parse(images.stdout) as { Id: string }[]).map((i) => i.Id),
      [loose.id],
    );
    const other = newRoot();
    assertOk(await runHoist(['--root', other, 'pull', '-q', `oci:${helloLayout}:1.0`], { env: { HOIST_ROOT: envRoot } }));
    assert.equal((await storeSnapshot(envRoot)).blobs.includes(hello.config.digest), false);
    assert.equal((await storeSnapshot(other)).blobs.includes(hello.config.digest), true);
  });
});

describe('hoist images, inspect, tag, rmi', () => {
  before(async () => {
    root = newRoot();
    assertOk(await hoist(['pull', '-q', `oci:${helloLayout}:1.0`, `dir:${looseDir}`]));
  });

  test('images shows a table of named images; --all adds dangling ones as <none>', async () => {
    const result = await hoist(['images']);
    assertOk(result);
    const [header, ...rows] = result.stdout.trimEnd().split('\n');
    assert.match(header!, /^REPOSITORY +TAG +IMAGE ID +CREATED +STORED SIZE$/);
    assert.equal(rows.length, 1);
    assert.match(rows[0]!, new RegExp(`^localhost/hello +1\\.0 +${hello.id.slice(0, 12)} +\\S.* ago +[\\d.]+ k?B$`));
    const all = (await hoist(['images', '--all'])).stdout.trimEnd().split('\n');
    assert.equal(all.length, 3);
    assert.ok(
      all.some((row) => new RegExp(`^<none> +<none> +${loose.id.slice(0, 12)} `).test(row)),
      all.join('\n'),
    );
  });

  test('images --format json lists Id, Names, Digest, Created, CreatedAt, Size', async () => {
    const images = JSON.parse((await hoist(['images', '--all', '--format', 'json'])).stdout) as Record<string, unknown>[];
    const size = (img: FixtureImage) => img.config.size + img.layers.reduce((s, l) => s + l.size, 0);
    const byId = Object.fromEntries(images.map((i) => [i.Id, i]));
    assert.deepEqual(Object.keys(byId).sort(), [hello.id, loose.id].sort());
    assert.deepEqual(
      {
        Names: byId[hello.id]!.Names,
        Digest: byId[hello.id]!.Digest,
        Created: byId[hello.id]!.Created,
        CreatedAt: byId[hello.id]!.CreatedAt,
        Size: byId[hello.id]!.Size,
      },
      // As podman images: Created in Unix seconds, CreatedAt the RFC 3339 time.
      { Names: ['localhost/hello:1.0'], Digest: hello.manifest.digest, Created: 1704164645, CreatedAt: '2024-01-02T03:04:05Z', Size: size(hello) },
    );
    assert.deepEqual(byId[loose.id]!.Names, []);
  });

  test('inspect prints a JSON array with Podman fields', async () => {
    const result = await hoist(['inspect', 'hello:1.0']);
    assertOk(result);
    const [info, ...more] = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.equal(more.length, 0);
    assert.equal(info!.Id, hello.id);
    assert.equal(info!.Digest, hello.manifest.digest);
    assert.deepEqual(info!.RepoTags, ['localhost/hello:1.0']);
    assert.deepEqual(info!.RepoDigests, [`localhost/hello@${hello.manifest.digest}`]);
    assert.equal(info!.Created, '2024-01-02T03:04:05Z');
    assert.equal(info!.Architecture, 'amd64');
    assert.equal(info!.Os, 'linux');
    assert.equal(typeof info!.Size, 'number');
    assert.deepEqual(info!.Labels, { 'org.example.e2e': 'yes' });
    assert.deepEqual((info!.Config as { Cmd: string[] }).Cmd, ['/bin/sh']);
    // By ID and short ID too, several at once.
    const both = JSON.parse((await hoist(['inspect', loose.id, hello.id.slice(0, 8)])).stdout) as { Id: string }[];
    assert.deepEqual(
      both.map((i) => i.Id),
      [loose.id, hello.id],
    );
  });

  test('tag adds names; rmi untags a name, refuses an ID with several names unless --force', async () => {
    const tagged = await hoist(['tag', 'hello:1.0', 'extra:2', 'quay.io/team/hello']);
    assertOk(tagged);
    assert.equal(tagged.stdout, '');
    const tags = (JSON.parse((await hoist(['inspect', hello.id])).stdout) as { RepoTags: string[] }[])[0]!.RepoTags;
    assert.deepEqual(tags, ['localhost/hello:1.0', 'localhost/extra:2', 'quay.io/team/hello:latest']);

    const untag = await hoist(['rmi', 'extra:2']);
    assertOk(untag);
    assert.equal(untag.stdout, 'Untagged: localhost/extra:2\n');

    const before = await storeSnapshot(root);
    const refused = await hoist(['rmi', hello.id]);
    assert.equal(refused.status, 125);
    assert.deepEqual(refused.stderr.trimEnd().split('\n'), [
      `Error: unable to delete image "${hello.id}" by ID with more than one tag (localhost/hello:1.0, quay.io/team/hello:latest)`,
      'Hint: please force removal with --force',
    ]);
    assert.deepEqual(await storeSnapshot(root), before);

    const forced = await hoist(['rmi', '--force', hello.id]);
    assertOk(forced);
    assert.equal(forced.stdout, `Untagged: localhost/hello:1.0\nUntagged: quay.io/team/hello:latest\nDeleted: ${hello.id}\n`);
    const left = await storeSnapshot(root);
    assert.ok(!left.blobs.some((b) => hello.blobs.has(b)), 'the removed image left no blob behind');
    assert.ok(
      loose.layers.every((l) => left.blobs.includes(l.digest)),
      'the other image keeps its blobs',
    );

    const dangling = await hoist(['rmi', loose.id.slice(0, 12)]);
    assert.equal(dangling.stdout, `Deleted: ${loose.id}\n`);
    assert.equal((await hoist(['images', '--all'])).stdout.trimEnd().split('\n').length, 1);
  });
});

describe('hoist --help and --version', () => {
  for (const command of ['pull', 'images', 'inspect', 'rmi', 'tag', 'image']) {
    test(`hoist ${command} --help`, async () => {
      const result = await runHoist([command, '--help']);
      assertOk(result);
      assert.match(result.stdout, new RegExp(`^hoist ${command}\\b`));
      assert.match(result.stdout, /--root/);
      assert.equal(result.stderr, '');
    });
  }

  test('hoist --help lists every command', async () => {
    const result = await runHoist(['--help']);
    assertOk(result);
    for (const command of ['pull', 'images', 'inspect', 'rmi', 'tag', 'image']) assert.match(result.stdout, new RegExp(`^  hoist ${command}\\b`, 'm'));
  });

  test("hoist --version and -v print the package version in Podman's words", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await runHoist([flag]);
      assertOk(result);
      assert.equal(result.stdout, `hoist version ${version}\n`);
    }
  });

  test('hoist --help ends with examples and the environment variables hoist reads', async () => {
    const result = await runHoist(['--help']);
    assertOk(result);
    assert.match(result.stdout, /^Examples:\n {2}hoist pull fedora/m);
    for (const variable of ['HOIST_ROOT', 'REGISTRY_AUTH_FILE', 'HTTPS_PROXY', 'CONTAINERS_REGISTRIES_CONF'])
      assert.match(result.stdout, new RegExp(`^ {2}.*${variable}`, 'm'));
  });

  test('an unknown command is one error suggesting the nearest command', async () => {
    const typo = await runHoist(['pul', 'fedora']);
    assert.equal(typo.status, 125);
    assert.equal(typo.stderr, 'Error: unknown command "pul" for "hoist"\nHint: did you mean "pull"?\n');
    const far = await runHoist(['frobnicate']);
    assert.equal(far.status, 125);
    assert.equal(far.stderr, 'Error: unknown command "frobnicate" for "hoist"\nHint: see hoist --help\n');
  });
});

describe('bad input: one Error line (and maybe a Hint), exit 125, no stack trace, store unchanged', () => {
  let corrupt: string;
  let malformed: string;
  let twoImages: string;

  before(async () => {
    root = newRoot();
    assertOk(await hoist(['pull', '-q', `oci:${helloLayout}:1.0`]));
    const victim = buildImage({ layers: [{ 'etc/victim': 'about to be corrupted\n' }, { 'etc/fine': 'fine\n' }] });
    corrupt = join(work, 'corrupt');
    await writeOciLayout(corrupt, [{ top: victim.manifest, refName: '1.0' }], blobsOf(victim));
    await writeFile(join(corrupt, 'blobs', 'sha256', victim.layers[1]!.digest.slice(7)), 'not the layer at all');
    malformed = join(work, 'malformed');
    await writeOciLayout(malformed, [{ top: hello.manifest }], blobsOf(hello));
    await writeFile(join(malformed, 'index.json'), '{"manifests": [}');
    twoImages = join(work, 'two');
    await writeOciLayout(
      twoImages,
      [
        { top: hello.manifest, refName: 'a' },
        { top: loose.manifest, refName: 'b' },
      ],
      [...blobsOf(hello), ...blobsOf(loose)],
    );
  });

  const cases: Array<[what: string, args: () => string[], error: RegExp, hint?: RegExp]> = [
    ['an empty oci: path', () => ['pull', 'oci:'], /^Error: invalid image name "oci:": oci: needs a path$/],
    ['a malformed name', () => ['inspect', 'Bad:Name'], /^Error: invalid reference "Bad:Name": repository name must be lowercase$/],
    ['a missing path', () => ['pull', `oci:${join(work, 'nothere')}`], /^Error: .*nothere\/index\.json: no such file or directory$/],
    ['a malformed index.json', () => ['pull', `oci:${malformed}`], /^Error: oci:.*malformed: index\.json is not valid JSON: /],
    ['a corrupted blob', () => ['pull', `oci:${corrupt}:1.0`], /^Error: size mismatch for blob sha256:[0-9a-f]{64}: expected \d+ bytes, received only 20$/],
    [
      'a layout with several images and no REF',
      () => ['pull', `oci:${twoImages}`],
      /^Error: oci:.*two: the layout holds 2 images, choose one$/,
      /^Hint: append :NAME or :@N to the path — @0: a sha256:/,
    ],
    ['an unknown image for inspect', () => ['inspect', 'nothere'], /^Error: nothere: image not known$/],
    [
      'an unsupported transport',
      () => ['pull', 'containers-storage:fedora'],
      /^Error: unsupported transport "containers-storage" in "containers-storage:fedora": hoist pulls from /,
    ],
    ['a bad --platform', () => ['pull', '--platform', 'linux', `oci:${helloLayout}:1.0`], /^Error: invalid platform "linux": expected OS\/ARCH\[\/VARIANT\]$/],
    [
      '--platform with --arch',
      () => ['pull', '--platform', 'linux/amd64', '--arch', 'arm64', `oci:${helloLayout}:1.0`],
      /^Error: --platform option can not be specified with --arch or --os$/,
    ],
    ['an unknown command', () => ['frobnicate'], /^Error: Unknown argument: frobnicate$/],
    ['a missing argument', () => ['pull'], /^Error: Not enough non-option arguments/],
  ];

  for (const [what, args, error, hint] of cases) {
    test(what, async () => {
      const before = await storeSnapshot(root);
      const result = await hoist(args());
      assert.equal(result.status, 125, result.stderr);
      assert.equal(result.stdout, '');
      // Progress lines may come first (a pull can fail midway); then the error alone.
      const lines = result.stderr
        .trimEnd()
        .split('\n')
        .filter((l) => !progressLine.test(l));
      assert.match(lines[0]!, error);
      if (hint) assert.match(lines[1] ?? '', hint);
      assert.equal(lines.length, hint ? 2 : 1, result.stderr);
      assert.doesNotMatch(result.stderr, /^ {4}at /m);
      await assertNothingRecorded(root, before);
    });
  }

  test('an unknown image for rmi: the same one Error line, exit 1 as Podman rmi has it (issue 13; was 125)', async () => {
    const before = await storeSnapshot(root);
    const result = await hoist(['rmi', 'nothere']);
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'Error: nothere: image not known\n');
    await assertNothingRecorded(root, before);
  });

  test('--log-level=debug adds the stack trace', async () => {
    const result = await hoist(['--log-level=debug', 'pull', `oci:${join(work, 'nothere')}`]);
    assert.equal(result.status, 125);
    assert.match(result.stderr, /^Error: .*no such file or directory$/m);
    assert.match(result.stderr, /^ {4}at /m);
  });
});
