import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeTar } from '../../helpers/tar.js';
import type { Rng } from '../rng.js';
import type { Corpus } from './corpus.js';
import { dirImageModel, mutateModel, ociLayoutModel, writeModel } from './layout-mutations.js';
import { mutateBytes, mutateConfigLines, mutateJson, mutateText } from './mutate.js';
import { mutateTar } from './tar-mutations.js';

/** hoist's public library, as its users import it (dist/index.js). */
export type Library = typeof import('../../../dist/index.js');

/** One fuzz input, and the two ways to feed it to hoist. */
export interface FuzzCase {
  /** What was fed, for a failure's report. */
  label: string;
  /** Feeds it through the library (the store goes at `root`); returns the root of a store it filled, to be checked. */
  library(lib: Library, root: string): Promise<string | undefined>;
  /** Feeds it through the CLI (`hoist --root ROOT ARGS`, run in the corpus directory). */
  cli: { args: string[]; env?: Record<string, string> };
}

export interface FuzzTarget {
  name: string;
  /** Makes case files under `dir` (empty, the case's own) from the generator. */
  make(rng: Rng, dir: string, corpus: Corpus): Promise<FuzzCase>;
}

/** Runs `step`; a HoistError is a refusal, which is fine; anything else is thrown on (a crash). */
async function typed<T>(lib: Library, step: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (err) {
    if (lib.isHoistError(err)) return undefined;
    throw err;
  }
}

const NAME_PIECES = [
  ':',
  '/',
  '@',
  '.',
  '-',
  '_',
  '__',
  'sha256:',
  ':@',
  '//',
  'A',
  '0',
  ' ',
  '\u0000',
  '\u001b',
  '%',
  '[',
  ']',
  '::',
  '...',
  '+',
  `${'0'.repeat(64)}`,
  'oci:',
  'docker://',
];

function mutateName(rng: Rng, name: string): string {
  if (rng.chance(0.4)) return mutateText(rng, name, 2);
  let out = name;
  for (let n = rng.between(1, 3); n > 0; n--) {
    const at = rng.int(out.length + 1);
    out = `${out.slice(0, at)}${rng.pick(NAME_PIECES)}${out.slice(at + (rng.chance(0.5) ? rng.int(3) : 0))}`;
  }
  return out;
}

/** A command line cannot carry NUL: the CLI gets the name without them. */
const argument = (text: string) => text.replace(/\0/g, '');

const names: FuzzTarget = {
  name: 'names',
  async make(rng, dir, c) {
    const seed = rng.pick(c.names);
    const name = mutateName(rng, seed);
    const aliasCache = join(dir, 'aliases.conf');
    return {
      label: `name ${JSON.stringify(name)} (a mutation of ${seed})`,
      async library(lib, root) {
        await typed(lib, () => {
          const parsed = lib.parseImageName(name);
          if (parsed.transport === 'docker') lib.parseReference(parsed.reference);
        });
        await typed(lib, async () =>
          lib.pull(name, {
            store: await lib.openImageStore({ root }),
            policy: 'never',
            registriesConf: c.registriesConf,
            aliasCache,
            signaturePolicy: c.acceptPolicy,
            env: c.env,
            isTTY: false,
          }),
        );
        return root;
      },
      cli: {
        args: rng.chance(0.5)
          ? ['resolve', '--registries-conf', c.registriesConf, '--alias-cache', aliasCache, argument(name)]
          : [
              'pull',
              '--policy',
              'never',
              '--registries-conf',
              c.registriesConf,
              '--alias-cache',
              aliasCache,
              '--signature-policy',
              c.acceptPolicy,
              argument(name),
            ],
      },
    };
  },
};

const TOML_HEADERS = ['[aliases]', '[[registry]]', '[[registry.mirror]]', '[registries.search]', '[pull]', '[registry]', '[[aliases]]', '[pull.retry]'];
const YAML_LINES = [
  'docker:',
  'default-docker:',
  '  registry.example.com:',
  '    lookaside: file:///x',
  '- a',
  '---',
  '&anchor x',
  'docker: &a',
  '  x: *a',
  '\tlookaside: x',
  '? [a, b]',
  '%YAML 1.1',
];
const RESOLVED = ['app', 'fedora:39', 'registry.example.com/team/app:1.0', 'quay.io/x:1', 'x.example.org/y:1', 'localhost:5000/z:1'];

type ConfigKind = keyof Corpus['configs'];

const configs: FuzzTarget = {
  name: 'configs',
  async make(rng, dir, c) {
    const kind = rng.pick(Object.keys(c.configs) as ConfigKind[]);
    const seed = c.configs[kind];
    const isJson = kind === 'policy.json' || kind === 'auth.json';
    const mutated = isJson
      ? rng.chance(0.7)
        ? mutateJson(rng, seed)
        : mutateText(rng, seed)
      : rng.chance(0.8)
        ? mutateConfigLines(rng, seed, kind === 'registries.d' ? YAML_LINES : TOML_HEADERS)
        : mutateText(rng, seed);
    const text = mutated.replaceAll('AUTHHOST', c.authHost);
    const label = `${kind}: ${JSON.stringify(text.slice(0, 300))}`;
    const env = c.env;
    if (kind === 'registries.d') {
      const registriesD = join(dir, 'registries.d');
      await mkdir(registriesD);
      await writeFile(join(registriesD, 'default.yaml'), text);
      if (rng.chance(0.3)) await writeFile(join(registriesD, 'more.yaml'), mutateConfigLines(rng, seed, YAML_LINES));
      const options = { signaturePolicy: c.signaturePolicy, registriesD, registriesConf: c.registriesConf, env };
      return {
        label,
        library: async (lib) => void (await typed(lib, () => lib.explainTrust('registry.example.com/team/app:1.0', options))),
        cli: {
          args: [
            'trust',
            'show',
            '--signature-policy',
            c.signaturePolicy,
            '--registries.d',
            registriesD,
            '--registries-conf',
            c.registriesConf,
            'registry.example.com/team/app:1.0',
          ],
        },
      };
    }
    const file = join(dir, kind.split(' ')[0]!);
    await writeFile(file, text);
    if (kind === 'hoist.toml') {
      return {
        label,
        library: async (lib, root) => {
          await typed(lib, async () =>
            lib.pull('oci:./nonexistent', { store: await lib.openImageStore({ root }), signaturePolicy: c.acceptPolicy, env: { ...env, HOIST_CONFIG: file } }),
          );
          return undefined;
        },
        cli: { args: ['pull', '--signature-policy', c.acceptPolicy, 'oci:./nonexistent'], env: { HOIST_CONFIG: file } },
      };
    }
    if (kind === 'policy.json') {
      const name = rng.pick(RESOLVED);
      const options = { signaturePolicy: file, registriesConf: c.registriesConf, registriesD: c.registriesD, env };
      return {
        label,
        library: async (lib) => {
          await typed(lib, () => lib.parsePolicy(text, file));
          await typed(lib, () => lib.explainTrust(undefined, options));
          await typed(lib, () => lib.explainTrust(name, options));
          return undefined;
        },
        cli: {
          args: [
            'trust',
            'show',
            '--signature-policy',
            file,
            '--registries-conf',
            c.registriesConf,
            '--registries.d',
            c.registriesD,
            ...(rng.chance(0.5) ? [name] : []),
          ],
        },
      };
    }
    if (kind === 'auth.json') {
      const name = `${c.authHost}/fuzz/app:1`;
      return {
        label,
        library: async (lib, root) => {
          await typed(lib, async () =>
            lib.pull(name, {
              store: await lib.openImageStore({ root }),
              registriesConf: c.authConf,
              registry: { authFile: file, retry: 0 },
              signaturePolicy: c.acceptPolicy,
              env,
              isTTY: false,
            }),
          );
          return undefined;
        },
        cli: { args: ['pull', '--registries-conf', c.authConf, '--authfile', file, '--retry', '0', '--signature-policy', c.acceptPolicy, name] },
      };
    }
    const name = rng.pick(RESOLVED);
    const aliasCache = join(dir, 'aliases.conf');
    return {
      label,
      library: async (lib, root) => {
        await typed(lib, () => lib.explainTrust(name, { registriesConf: file, signaturePolicy: c.acceptPolicy, aliasCache, env, isTTY: false }));
        await typed(lib, async () =>
          lib.pull(name, {
            store: await lib.openImageStore({ root }),
            policy: 'never',
            registriesConf: file,
            aliasCache,
            signaturePolicy: c.acceptPolicy,
            env,
            isTTY: false,
          }),
        );
        return undefined;
      },
      cli: { args: ['resolve', '--registries-conf', file, '--alias-cache', aliasCache, name] },
    };
  },
};

const archives: FuzzTarget = {
  name: 'archives',
  async make(rng, dir, c) {
    const base = rng.pick(c.archives);
    const other = rng.pick(c.archives.filter((a) => !a.gzip));
    let bytes: Buffer;
    let what: string;
    if (base.gzip && rng.chance(0.7)) {
      const inner = mutateTar(rng, makeTar(base.entries!), base.entries, other.bytes);
      bytes = gzipSync(inner.bytes);
      what = `${inner.what}, then gzip-compressed`;
    } else if (base.gzip) {
      bytes = mutateBytes(rng, base.bytes, 6);
      what = 'compressed bytes edited';
    } else {
      ({ bytes, what } = mutateTar(rng, base.bytes, base.entries, other.bytes));
    }
    const file = join(dir, 'archive.tar');
    await writeFile(file, bytes);
    const name = `${base.transport}:${file}${rng.pick([...base.selectors, ':@0', ':@5', ':nope:1'])}`;
    return {
      label: `${base.label}: ${what}; pulled as ${base.transport}:ARCHIVE${name.slice(base.transport.length + 1 + file.length)}`,
      library: async (lib, root) => {
        await typed(lib, async () => lib.pull(name, { store: await lib.openImageStore({ root }), signaturePolicy: c.acceptPolicy, env: c.env }));
        return root;
      },
      cli: { args: ['pull', '--signature-policy', c.acceptPolicy, name] },
    };
  },
};

const layouts: FuzzTarget = {
  name: 'layouts',
  async make(rng, dir, c) {
    const oci = rng.chance(0.75);
    const model = oci
      ? ociLayoutModel(c.layout.index, c.layout.ociLayout, c.layout.blobs)
      : dirImageModel(c.dirImage.manifest.data, new Map([c.dirImage.config, ...c.dirImage.layers].map((b) => [b.digest, b.data])));
    const edits = Array.from({ length: rng.between(1, 3) }, () => mutateModel(rng, model));
    const layoutDir = join(dir, 'layout');
    const special = await writeModel(rng, model, layoutDir);
    const name = oci ? `oci:${layoutDir}${rng.pick(c.layout.refs)}` : `dir:${layoutDir}`;
    return {
      label: `${oci ? 'OCI layout' : 'dir: image'}: ${[...edits, ...(special !== undefined ? [special] : [])].join('; ')}; pulled as ${name.slice(name.lastIndexOf('/') + 1)}`,
      library: async (lib, root) => {
        await typed(lib, async () => lib.pull(name, { store: await lib.openImageStore({ root }), signaturePolicy: c.acceptPolicy, env: c.env }));
        return root;
      },
      cli: { args: ['pull', '--signature-policy', c.acceptPolicy, name] },
    };
  },
};

export const targets: Record<'names' | 'configs' | 'archives' | 'layouts', FuzzTarget> = { names, configs, archives, layouts };
