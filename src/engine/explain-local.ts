import { readTopManifest } from '../copy/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseInstance, formatPlatform, parseManifest, wantedPlatform, type PlatformFlags } from '../manifest/index.js';
import type { LocalName, LocalSelection, LocalTransport } from '../transports/index.js';
import { localIdentity } from './local-identity.js';

/** What `hoist pull NAME` of a local transport would read, choose and name: `hoist resolve` of it. */
export interface LocalExplanation extends LocalSelection {
  input: string;
  transport: string;
  /** The transport's one-line help: what kind of source this is. */
  source: string;
  /** The file or directory, as given, and resolved (what policy.json scopes match). */
  path: string;
  resolvedPath: string;
  manifestDigest: string;
  mediaType: string;
  /** When the chosen image is an index: the instance a pull for this platform takes. */
  instance?: { digest: string; platform: string };
  /** The names the pulled image gets; empty: it stays unnamed, known by its ID. */
  names: string[];
}

/**
 * Opens the source as a pull would, reads its top manifest, and closes it: nothing reaches a store.
 * Opening may decompress a gzip archive; that copy goes to a temporary directory removed here.
 */
export async function explainLocal(
  input: string,
  transport: LocalTransport,
  parsed: LocalName,
  options: { platform?: PlatformFlags; signal?: AbortSignal } = {},
): Promise<LocalExplanation> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'hoist-resolve-'));
  try {
    const { source, names, selection } = await transport.open(parsed, { tmpDir, ...(options.signal ? { signal: options.signal } : {}) });
    try {
      const top = await readTopManifest(source, options.signal);
      const manifest = parseManifest(top.bytes, top.mediaType, source.description);
      const chosen = manifest.kind === 'index' ? chooseInstance(manifest.manifests, wantedPlatform(options.platform ?? {}), source.description) : undefined;
      return {
        input,
        transport: transport.name,
        source: transport.help.source,
        path: parsed.path,
        resolvedPath: (await localIdentity(transport, parsed)).path,
        ...selection,
        manifestDigest: top.digest,
        mediaType: manifest.mediaType,
        ...(chosen !== undefined ? { instance: { digest: chosen.digest, platform: formatPlatform(chosen.platform!) } } : {}),
        names,
      };
    } finally {
      await source.close();
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}
