import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { cliPath, run } from '../helpers/cli.js';
import { buildImage, writeDirImage, writeOciLayout } from '../helpers/images.js';
import { isolatedEnv, makeTempDir, removeDir, storeSnapshot } from '../helpers/tmp.js';

/**
 * A FIFO where a source file belongs is refused at once. Opening a FIFO for reading waits for a
 * writer, in a thread that nothing interrupts: the pull hung, and SIGINT and SIGTERM could not end
 * it. Each case runs the CLI under `timeout`, which kills it if it hangs.
 */

const HANG_SECONDS = 20;

let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = await makeTempDir();
  env = await isolatedEnv(dir);
});
after(() => removeDir(dir));

const image = buildImage({ uncompressed: true, format: 'docker' });
const hex = (digest: string) => digest.slice(7);

let counter = 0;
const fresh = (name: string) => join(dir, `${name}-${counter++}`);

/** Replaces `path` (if anything is there) by a FIFO; node cannot make one itself. */
async function fifoAt(path: string): Promise<string> {
  await rm(path, { force: true });
  await promisify(execFile)('mkfifo', [path]);
  return path;
}

/** Pulls `source` with the built CLI and expects exit status 125 with the one line `Error: error` (or matching it), well before the kill. */
async function refusedFast(source: string, error: string | RegExp): Promise<void> {
  const root = fresh('store');
  const result = await run('timeout', ['--signal=KILL', String(HANG_SECONDS), process.execPath, cliPath, '--root', root, 'pull', '-q', source], { env });
  // timeout sends the KILL to its whole process group, itself included; it would exit 124 otherwise.
  assert.ok(result.signal === null && result.status !== 124, `hoist pull ${source} hung and was killed after ${HANG_SECONDS} s`);
  if (typeof error === 'string') assert.equal(result.stderr, `Error: ${error}\n`);
  else assert.match(result.stderr, error);
  assert.equal(result.status, 125);
  assert.equal(result.stdout, '');
  assert.deepEqual((await storeSnapshot(root)).tmp, []);
}

const ociLayout = async () => {
  const path = fresh('layout');
  await writeOciLayout(path, [{ top: image.manifest }], image.blobs.values());
  return path;
};
const dirImage = async () => {
  const path = fresh('dir');
  await writeDirImage(path, image);
  return path;
};

for (const transport of ['docker-archive', 'oci-archive']) {
  test(`${transport}: of a FIFO is refused`, async () => {
    const fifo = await fifoAt(fresh('archive.tar'));
    await refusedFast(`${transport}:${fifo}`, `invalid archive ${fifo}: it is a FIFO, not a regular file`);
  });
}

const ociFiles: Record<string, string> = {
  'index.json': 'index.json',
  'the manifest blob': `blobs/sha256/${hex(image.manifest.digest)}`,
  'the config blob': `blobs/sha256/${hex(image.config.digest)}`,
  'a layer blob': `blobs/sha256/${hex(image.layers[1]!.digest)}`,
};
for (const [what, name] of Object.entries(ociFiles)) {
  test(`oci: with a FIFO for ${what} is refused`, async () => {
    const layout = await ociLayout();
    const fifo = await fifoAt(join(layout, name));
    await refusedFast(`oci:${layout}`, `${fifo} is not a regular file (it is a FIFO)`);
  });
}

const dirFiles: Record<string, string> = {
  version: 'version',
  'manifest.json': 'manifest.json',
  'the config': hex(image.config.digest),
  'a layer': hex(image.layers[0]!.digest),
};
for (const [what, name] of Object.entries(dirFiles)) {
  test(`dir: with a FIFO for ${what} is refused`, async () => {
    const source = await dirImage();
    const fifo = await fifoAt(join(source, name));
    await refusedFast(`dir:${source}`, `${fifo} is not a regular file (it is a FIFO)`);
  });
}

test('a FIFO where a directory belongs is a clear error too', async () => {
  const fifo = await fifoAt(fresh('not-a-dir'));
  await refusedFast(`oci:${fifo}`, new RegExp(`^Error: cannot read ${fifo}/index\\.json: ENOTDIR: not a directory, \\w+ '${fifo}/index\\.json'\n$`));
});
