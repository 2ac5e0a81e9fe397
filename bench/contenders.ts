import { mkdtemp, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { GeneratedImage } from './generate/images.js';
import { LAYOUT_TAG, writeOciLayout } from './layout.js';
import { measure } from './measure.js';
import type { Contender, ScenarioContext, WanLink, WanSite } from './scenarios.js';
import { hoistEnv, hoistPull, isAbsent, podmanArgs, removePodmanRoot, REPO_ROOT, skopeoCopy, type Podman } from './tools.js';

/** The contenders of the scenarios: how each tool is run, into which store, and what is cleaned up. */

/** The CLI as the reader would type it: relative to the checkout. */
const shown = (cli: string) => relative(REPO_ROOT, cli);

/**
 * A command line for the report: the registry and the counting proxy as $REGISTRY and $PROXY (their
 * ports change every run), the TLS registry and its CA directory as $TLS_REGISTRY and $CERTS, the
 * WAN sites as in wanPlaceholders, the cached archive relative to the checkout.
 */
function readable(ctx: ScenarioContext, command: string): string {
  const tls = ctx.tls;
  const placeholders: [string, string][] = [
    [ctx.registryHost, '$REGISTRY'],
    [ctx.proxyHost, '$PROXY'],
    ...(tls === undefined
      ? []
      : ([
          [tls.host, '$TLS_REGISTRY'],
          [tls.certDir, '$CERTS'],
        ] as [string, string][])),
    ...ctx.wan.flatMap(wanPlaceholders),
    [ctx.images.archive.path, relative(REPO_ROOT, ctx.images.archive.path)],
    [ctx.layout, '$LAYOUT'],
    [ctx.images.large.id, '$ID'],
  ];
  return placeholders.reduce((line, [value, placeholder]) => line.replaceAll(value, placeholder), command);
}
/**
 * A WAN profile's sites as $WAN<rtt> (the relay of the registry holding the images) and
 * $WAN<rtt>_EMPTY, their CA directories as $CERTS (all hold the test CA), the issuers' credentials
 * as $CREDS, the short-name search's registries.conf as $REGISTRIES_CONF.
 */
function wanPlaceholders(link: WanLink): [string, string][] {
  const rtt = link.profile.rttMs;
  const site = (s: WanSite, name: string): [string, string][] => [
    [s.host, name],
    [s.certDir, '$CERTS'],
    [s.creds, '$CREDS'],
  ];
  const search = link.search;
  return [
    ...site(link.site, `$WAN${rtt}`),
    ...(search === undefined ? [] : [...site(search.empty, `$WAN${rtt}_EMPTY`), [search.conf, '$REGISTRIES_CONF'] as [string, string]]),
  ];
}

export const ref = (host: string, image: GeneratedImage) => `${host}/${image.repository}:${image.tag}`;
const layoutRef = (image: GeneratedImage) => `${image.repository}:${image.tag}`;
export const INSECURE_REGISTRY = ['--src-tls-verify=false', '--dest-tls-verify=false'];

/** A fresh directory per run, removed after it. */
async function freshDir(ctx: ScenarioContext, prefix: string): Promise<string> {
  return mkdtemp(join(ctx.workDir, `${prefix}-`));
}

export function hoistCold(ctx: ScenarioContext, name: string, flags: string[], id: string): Contender {
  return {
    label: ctx.hoistLabel,
    tool: 'hoist',
    shows: readable(ctx, `node ${shown(ctx.hoistCli)} --root $EMPTY pull ${[...flags, name].join(' ')}`),
    async prepare() {
      const root = await freshDir(ctx, 'hoist');
      return {
        commands: [hoistPull(ctx.hoistCli, root, name, flags)],
        env: hoistEnv(),
        expectId: id,
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  };
}

export function hoistConcurrent(ctx: ScenarioContext, name: string, id: string, processes: number): Contender {
  return {
    label: `${ctx.hoistLabel} ×${processes}`,
    tool: 'hoist',
    shows: readable(ctx, `${processes}× node ${shown(ctx.hoistCli)} --root $EMPTY pull --tls-verify=false ${name} (at once, one store)`),
    async prepare() {
      const root = await freshDir(ctx, 'hoist-concurrent');
      const command = hoistPull(ctx.hoistCli, root, name, ['--tls-verify=false']);
      return {
        commands: Array.from({ length: processes }, () => command),
        env: hoistEnv(),
        expectId: id,
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  };
}

export function skopeoCold(ctx: ScenarioContext, source: string, image: GeneratedImage, flags: string[]): Contender {
  return {
    label: 'skopeo',
    tool: 'skopeo',
    shows: readable(ctx, skopeoCopy(source, '$EMPTY', layoutRef(image), flags).join(' ')),
    async prepare() {
      const dir = await freshDir(ctx, 'skopeo');
      return { commands: [skopeoCopy(source, dir, layoutRef(image), flags)], cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  };
}

/** `env`: variables added to podman's environment (and shown before its command line). */
export function podmanCold(ctx: ScenarioContext, podman: Podman, name: string, flags: string[], env: Record<string, string> = {}): Contender {
  const assignments = Object.entries(env).map(([key, value]) => `${key}=${value} `);
  return {
    label: `podman (${podman.driver})`,
    tool: 'podman',
    note: 'podman also decompresses and unpacks every layer into its storage: more work than hoist and skopeo do, shown for scale',
    shows: readable(ctx, assignments.join('') + podmanArgs(podman, '$EMPTY', ['pull', ...flags, name]).join(' ')),
    async prepare() {
      const root = await freshDir(ctx, 'podman');
      return { commands: [podmanArgs(podman, root, ['pull', ...flags, name])], env: { ...process.env, ...env }, cleanup: () => removePodmanRoot(root) };
    },
  };
}

/** Where a warm store's image comes from, and the TLS flags each tool needs to reach it. */
export interface WarmSource {
  name: string;
  image: GeneratedImage;
  hoist: string[];
  podman: string[];
  skopeo: string[];
  /** Names the stores' directories (one set of stores per source). */
  prefix: string;
}

/**
 * Stores that already hold an image (by default the large one pulled through the counting proxy,
 * so stored names match), filled once on first use and shared by the always/newer/missing scenarios.
 */
export function warmStores(ctx: ScenarioContext, source: WarmSource = plainWarmSource(ctx)) {
  const { name, image } = source;
  const filled = new Map<string, Promise<string>>();
  const once = (key: string, fill: (dir: string) => string[]): Promise<string> => {
    let dir = filled.get(key);
    if (dir === undefined) {
      dir = (async () => {
        const path = join(ctx.workDir, `${source.prefix}-${key}`);
        const sample = await measure(fill(path), key.startsWith('hoist') ? hoistEnv() : process.env);
        if (sample.exitCode !== 0) throw new Error(`filling the ${key} store failed: ${sample.stderr.trim()}`);
        return path;
      })();
      filled.set(key, dir);
    }
    return dir;
  };
  const podman = isAbsent(ctx.podman) ? undefined : ctx.podman;
  const podmanOnPresent = (podman: Podman, args: string[], note?: string): Contender => ({
    label: `podman (${podman.driver})`,
    tool: 'podman',
    ...(note !== undefined ? { note } : {}),
    shows: readable(ctx, podmanArgs(podman, '$PRESENT', args).join(' ')),
    async prepare() {
      const root = await once('podman', (dir) => podmanArgs(podman, dir, ['pull', ...source.podman, name]));
      return { commands: [podmanArgs(podman, root, args)] };
    },
  });
  return {
    hoist(flags: string[]): Contender {
      return {
        label: ctx.hoistLabel,
        tool: 'hoist',
        shows: readable(ctx, `node ${shown(ctx.hoistCli)} --root $PRESENT pull ${[...flags, name].join(' ')}`),
        async prepare() {
          const root = await once(ctx.hoistLabel.replace(' ', '-'), (dir) => hoistPull(ctx.hoistCli, dir, name, source.hoist));
          return { commands: [hoistPull(ctx.hoistCli, root, name, flags)], env: hoistEnv(), expectId: image.id };
        },
      };
    },
    /** `podman pull --policy P` where supported; Podman 4.3 always pulls with policy `always`. */
    podmanPull(policy: 'always' | 'newer'): Contender[] {
      if (podman === undefined) return [];
      if (podman.pullPolicy) return [podmanOnPresent(podman, ['pull', ...source.podman, '--policy', policy, name])];
      const note = `${podman.version} has no \`pull --policy\`: this is a plain \`podman pull\` (policy always) of the present image`;
      return [podmanOnPresent(podman, ['pull', ...source.podman, name], note)];
    },
    /** `podman pull --policy missing`; without it, `podman image exists` is podman's nearest no-network check. */
    podmanMissing(): Contender[] {
      if (podman === undefined) return [];
      if (podman.pullPolicy) return [podmanOnPresent(podman, ['pull', ...source.podman, '--policy', 'missing', name])];
      const note = `${podman.version} has no \`pull --policy\`: this is \`podman image exists\`, its nearest local-only check`;
      return [podmanOnPresent(podman, ['image', 'exists', name], note)];
    },
    skopeo(): Contender[] {
      if (isAbsent(ctx.skopeo)) return [];
      const copy = (dir: string) => skopeoCopy(`docker://${name}`, dir, layoutRef(image), source.skopeo);
      return [
        {
          label: 'skopeo',
          tool: 'skopeo',
          note: 'skopeo copy into the OCI layout that already holds the image (blobs are reused, the manifest is fetched)',
          shows: readable(ctx, copy('$PRESENT').join(' ')),
          async prepare() {
            return { commands: [copy(await once('skopeo', copy))] };
          },
        },
      ];
    },
  };
}

export const INSECURE = ['--tls-verify=false'];

function plainWarmSource(ctx: ScenarioContext): WarmSource {
  return { name: ref(ctx.proxyHost, ctx.images.large), image: ctx.images.large, hoist: INSECURE, podman: INSECURE, skopeo: INSECURE_REGISTRY, prefix: 'warm' };
}

/** Layouts written so far, by path: hoist A and hoist B (--compare) share one. */
const layouts = new Map<string, Promise<string>>();

/**
 * The contenders of the unpack and export scenarios, all starting from the OCI layout of the large
 * image (written once, untimed). hoist's store is filled from it once, untimed, as `umoci unpack`
 * reads the layout directly; podman has no unpack of a layout, so its pull (which applies the
 * layers to its storage) and `image mount` are timed together.
 */
export function unpackContenders(ctx: ScenarioContext) {
  const image = ctx.images.large;
  const source = `${ctx.layout}:${LAYOUT_TAG}`;
  const layout = (): Promise<string> => {
    let written = layouts.get(ctx.layout);
    if (written === undefined) {
      written = writeOciLayout(image, ctx.layout).then(() => ctx.layout);
      layouts.set(ctx.layout, written);
    }
    return written;
  };
  let store: Promise<string> | undefined;
  const pulledStore = (): Promise<string> =>
    (store ??= (async () => {
      await layout();
      const root = join(ctx.workDir, `unpack-store-${ctx.hoistLabel.replace(' ', '-')}`);
      const sample = await measure(hoistPull(ctx.hoistCli, root, `oci:${source}`), hoistEnv());
      if (sample.exitCode !== 0) throw new Error(`filling the ${ctx.hoistLabel} store from the layout failed: ${sample.stderr.trim()}`);
      return root;
    })());
  const hoistRun = (args: (out: string) => string[], shows: string, name: string): Contender => ({
    label: ctx.hoistLabel,
    tool: 'hoist',
    shows: readable(ctx, `node ${shown(ctx.hoistCli)} --root $PRESENT ${shows}`),
    async prepare() {
      const root = await pulledStore();
      const dir = await freshDir(ctx, 'hoist-unpack');
      return {
        commands: [[process.execPath, ctx.hoistCli, '--root', root, ...args(join(dir, name))]],
        env: hoistEnv(),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  });
  return {
    hoistUnpack: () => hoistRun((out) => ['unpack', image.id, out], `unpack ${image.id} $EMPTY/rootfs`, 'rootfs'),
    hoistExport: () => hoistRun((out) => ['export', image.id, '-o', out], `export ${image.id} -o $EMPTY/rootfs.tar`, 'rootfs.tar'),
    umoci(): Contender[] {
      if (isAbsent(ctx.umoci)) return [];
      const command = (bundle: string) => ['umoci', 'unpack', '--image', source, bundle];
      return [
        {
          label: 'umoci',
          tool: 'umoci',
          note: 'umoci unpack also writes an mtree manifest of the whole rootfs (for umoci repack) and config.json beside it',
          shows: readable(ctx, command('$EMPTY/bundle').join(' ')),
          async prepare() {
            await layout();
            const dir = await freshDir(ctx, 'umoci');
            return { commands: [command(join(dir, 'bundle'))], cleanup: () => rm(dir, { recursive: true, force: true }) };
          },
        },
      ];
    },
    podman(): Contender[] {
      if (isAbsent(ctx.podman)) return [];
      const podman = ctx.podman;
      // One shell runs both, so wall time, CPU and peak RSS cover the pair (measure.py waits for the tree).
      const script = (root: string, quote = (a: string) => `'${a}'`) => {
        const args = (rest: string[]) => podmanArgs(podman, root, rest).map(quote).join(' ');
        return `id=$(${args(['pull', '-q', `oci:${source}`])}) && ${args(['image', 'mount'])} "$id" >/dev/null`;
      };
      return [
        {
          label: `podman (${podman.driver})`,
          tool: 'podman',
          note: 'podman pull copies the blobs into its storage and applies every layer there; podman image mount then mounts the image',
          shows: readable(ctx, `sh -c '${script('$EMPTY', (a) => a)}'`),
          async prepare() {
            await layout();
            const root = await freshDir(ctx, 'podman-unpack');
            return { commands: [['sh', '-c', script(root)]], cleanup: () => removePodmanRoot(root) };
          },
        },
      ];
    },
  };
}
