import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTempDir, removeDir } from '../helpers/tmp.js';
import { snapshotTree, type Tree } from '../helpers/tree.js';
import { cliPath } from '../helpers/cli.js';
import { buildUmociImage, sh, UMOCI_CONFIG, UMOCI_TAGS, type UmociLayout } from '../helpers/umoci.js';
import { assertRuntimeConfigLikeUmoci, assertSameTree, hoistCli, readRuntimeConfig, umociUnpack, type HoistCli } from './interop-support.js';

// Interop with umoci, the reference OCI unpacker: images umoci wrote (its repack's layers and
// whiteouts, plus a GNU tar layer with an opaque directory it added verbatim), unpacked by hoist
// and by `umoci unpack`, compared path by path. Runs as root (owners, setuid, a device node);
// fails, never skips, without umoci.

let scratch: string;
let fixture: UmociLayout;
let hoist: HoistCli;
let n = 0;
const fresh = (what: string) => join(scratch, `${what}-${++n}`);

before(async () => {
  scratch = await makeTempDir();
  fixture = await buildUmociImage(join(scratch, 'fixture'));
  hoist = await hoistCli(scratch);
  for (const tag of UMOCI_TAGS) await hoist.pull(`oci:${fixture.layout}:${tag}`);
});
after(() => removeDir(scratch));

const hoistName = (tag: string) => `localhost/layout:${tag}`;

describe('hoist unpack of images umoci wrote, against umoci unpack', () => {
  for (const [tag, what] of [
    ['first', 'one repacked layer: every entry type, owners, setuid/setgid/sticky, hardlinks, long names'],
    ['second', "a second layer of umoci's whiteouts: deletions, files and links replaced by directories"],
    ['opaque', 'a GNU tar layer on top: an opaque directory, a whiteout, a write through a symlinked parent'],
    ['replaced', "umoci's repack of a directory replaced by a file: the file, then a whiteout below it"],
  ] satisfies [(typeof UMOCI_TAGS)[number], string][]) {
    test(`${tag}: ${what}`, async () => {
      const dir = fresh('hoist');
      await hoist.unpack(hoistName(tag), dir);
      const umoci = await umociUnpack(`${fixture.layout}:${tag}`, fresh('umoci'));
      assertSameTree(umoci.tree, await snapshotTree(dir), ['umoci', 'hoist']);
    });
  }

  test('the layers really hold whiteouts and an opaque marker, and hoist applied them', async () => {
    const [, repacked, opaque, replaced] = fixture.listings;
    // What umoci's repack writes for deleting a file and a directory tree, and for a directory
    // replaced by a file (the tag 'replaced', compared with umoci above).
    assert.match(repacked!, / etc\/\.wh\.hello\n/);
    assert.match(repacked!, / var\/lib\/\.wh\.gone\n/);
    assert.match(replaced!, / opt\/replace\n.* opt\/replace\/\.wh\.inner\n/s);
    assert.match(opaque!, / usr\/share\/opaque\/new\n.* usr\/share\/opaque\/\.wh\.\.wh\.\.opq\n/);

    const dir = fresh('hoist');
    await hoist.unpack(hoistName('opaque'), dir);
    const tree = await snapshotTree(dir);
    const type = (path: string) => tree.get(path)?.type;
    for (const gone of ['etc/hello', 'var/lib/gone', 'usr/bin/cat', 'usr/share/opaque/old', 'usr/share/opaque/oldsub'])
      assert.equal(type(gone), undefined, gone);
    assert.deepEqual(
      [...tree.keys()].filter((p) => p.split('/').some((c) => c.startsWith('.wh.'))),
      [],
      'no whiteout appears in DIR',
    );
    assert.deepEqual(children(tree, 'usr/share/opaque'), ['new'], 'the opaque marker keeps what its own layer wrote');
    assert.equal(type('opt/was-file'), 'dir');
    assert.equal(type('opt/was-link'), 'dir');
    assert.equal(type('opt/target'), 'dir', 'replacing the symlink left its target alone');
    assert.equal(tree.get('etc/chmodme')!.mode, 0o750);
    assert.equal(type('etc/chmodme/child'), 'file', 'a directory entry over a directory keeps its children');
    assert.equal(type('lib'), 'symlink');
    assert.equal(type('usr/lib/via-gnu-tar'), 'file', 'lib/via-gnu-tar was written through lib → usr/lib');
    assert.equal(tree.get('usr/bin/ls')!.linkGroup, 'usr/bin/busybox', 'the rest of the hardlink group is still one inode');
    assert.equal(tree.get('usr/bin/su')!.mode, 0o4755);
    assert.deepEqual([tree.get('usr/bin/suid-owned')!.mode, tree.get('usr/bin/suid-owned')!.uid], [0o4750, 7], 'setuid survives the chown to 7');
    assert.equal(tree.get('var/empty')!.mode, 0, 'a mode-000 directory gets its mode after its child was written');
    assert.equal(tree.get('dev/zero')!.rdev, '1:5');
  });

  test('--bundle: DIR/rootfs is the same tree, DIR/config.json has what umoci builds from the image config', async () => {
    const bundle = fresh('hoist-bundle');
    await hoist.unpack(hoistName('opaque'), bundle, ['--bundle']);
    const umoci = await umociUnpack(`${fixture.layout}:opaque`, fresh('umoci'));
    assertSameTree(umoci.tree, await snapshotTree(join(bundle, 'rootfs')), ['umoci', 'hoist']);
    const ours = await readRuntimeConfig(bundle);
    assert.deepEqual(ours.process?.args, [...UMOCI_CONFIG.entrypoint, ...UMOCI_CONFIG.cmd], 'Entrypoint + Cmd');
    assert.deepEqual(ours.process?.user, { uid: 1000, gid: 1001 }, 'numeric User 1000:1001');
    assert.equal(ours.annotations?.['org.opencontainers.image.exposedPorts'], '53/udp,80/tcp');
    assertRuntimeConfigLikeUmoci(ours, umoci.config);
  });
});

/**
 * What a tar of hoist export does not carry, so GNU tar's extraction cannot have it: times below
 * the second (the tar is ustar, with PAX records only for long names; the GNU tar layer's
 * `.123…` times go), and the root directory's own entry (its mtime is the extraction's).
 */
const EXPORT_DIFFERENCES = {
  mtimeResolutionNs: 1_000_000_000n,
  except: [{ path: '', field: 'mtimeNs' as const, reason: 'hoist export writes no ./ entry' }],
};

describe('hoist export of an image umoci wrote, extracted by GNU tar, against umoci unpack', () => {
  test("-o FILE and -o - (a pipe): GNU tar extracts either to umoci's tree", async () => {
    const umoci = await umociUnpack(`${fixture.layout}:opaque`, fresh('umoci'));
    const file = `${fresh('export')}.tar`;
    const result = await hoist.run(['export', hoistName('opaque'), '-o', file]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '', 'with -o FILE, stdout stays empty');
    const fromFile = fresh('untar-file');
    await sh(scratch, [`mkdir '${fromFile}'`, `tar --numeric-owner -xpf '${file}' -C '${fromFile}'`]);
    assertSameTree(umoci.tree, await snapshotTree(fromFile), ['umoci', 'hoist export | tar -x'], EXPORT_DIFFERENCES);
    const fromPipe = fresh('untar-pipe');
    const cli = [process.execPath, cliPath, '--root', hoist.root, 'export', hoistName('opaque'), '-o', '-'].map((a) => `'${a}'`).join(' ');
    await sh(scratch, [`mkdir '${fromPipe}'`, `${cli} | tar --numeric-owner -xpf - -C '${fromPipe}'`]);
    assertSameTree(umoci.tree, await snapshotTree(fromPipe), ['umoci', 'hoist export -o - | tar -x'], EXPORT_DIFFERENCES);
  });
});

function children(tree: Tree, dir: string): string[] {
  return [...tree.keys()].filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1));
}
