import { invalidArchive, normalizeEntryName } from '../archive/index.js';
import { validateDescriptor, type Descriptor } from '../manifest/index.js';
import { parseUntrustedJson } from '../untrusted-json.js';

/** manifest.json is read whole before anything else; docker writes a few hundred bytes per image. */
export const MAX_ARCHIVE_MANIFEST_BYTES = 1024 * 1024;

/** One image of a docker archive's manifest.json, with entry names normalized. */
export interface ArchiveImageItem {
  /** Entry holding the image config. */
  config: string;
  /** Tags as written (familiar form, e.g. `fedora:39`). */
  repoTags: string[];
  /** Layer entries, in the order of the config's diff_ids. */
  layers: string[];
  /** Descriptors of foreign layers by diffID (docker save of Windows images). */
  layerSources: Map<string, Descriptor>;
}

/** Parses and validates manifest.json (`docker save` / `podman save` / skopeo). */
export function parseArchiveManifest(bytes: Buffer, archivePath: string): ArchiveImageItem[] {
  const fail = (detail: string) => invalidArchive(archivePath, `manifest.json ${detail}`);
  let doc: unknown;
  try {
    doc = parseUntrustedJson(bytes.toString('utf8'));
  } catch (err) {
    throw fail(`is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw fail('is not a list of images');
  return doc.map((item: unknown, i) => {
    const where = `item @${i}`;
    if (typeof item !== 'object' || item === null) throw fail(`${where} is not an object`);
    const { Config, RepoTags, Layers, LayerSources } = item as Record<string, unknown>;
    if (typeof Config !== 'string') throw fail(`${where} has no "Config"`);
    if (!isStringList(Layers)) throw fail(`${where} has no "Layers" list of strings`);
    if (RepoTags !== undefined && RepoTags !== null && !isStringList(RepoTags)) throw fail(`${where} has an invalid "RepoTags"`);
    const entryName = (raw: string) => {
      const normalized = normalizeEntryName(raw);
      if ('problem' in normalized) throw fail(`${where}: ${normalized.problem}`);
      return normalized.name;
    };
    return {
      config: entryName(Config),
      repoTags: RepoTags ?? [],
      layers: Layers.map(entryName),
      layerSources: parseLayerSources(LayerSources, (detail) => fail(`${where} ${detail}`)),
    };
  });
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function parseLayerSources(value: unknown, fail: (detail: string) => Error): Map<string, Descriptor> {
  const sources = new Map<string, Descriptor>();
  if (value === undefined || value === null) return sources;
  if (typeof value !== 'object' || Array.isArray(value)) throw fail('has an invalid "LayerSources"');
  for (const [diffId, desc] of Object.entries(value)) {
    try {
      sources.set(diffId, validateDescriptor(desc, `LayerSources ${diffId}`));
    } catch (err) {
      throw fail(`has an invalid "LayerSources": ${(err as Error).message}`);
    }
  }
  return sources;
}
