import { content } from './content.js';
import type { FileFamily, LargeFile, LayerRecipe } from './recipes.js';
import type { Rng } from './rng.js';
import type { TarHeader } from './tar.js';
import { identifier, NAME_PARTS } from './vocabulary.js';

/** One tar entry of a layer: the header, and for a file its content as chunks. */
export interface LayerEntry {
  header: TarHeader;
  data?: Generator<Buffer>;
}

const SUBDIRS = ['lib', 'src', 'dist', 'doc', 'data', 'include', 'tests', 'share', 'esm', 'cjs'];

/**
 * The entries of one layer, in the order a directory walk would emit them: directories before
 * their files, files grouped by package. `scale` shrinks every budget (for `--quick`).
 */
export function* layerEntries(recipe: LayerRecipe, rng: Rng, scale: number): Generator<LayerEntry> {
  const dirs = new Set<string>();
  const paths = new Set<string>();
  function* withParents(path: string): Generator<LayerEntry> {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      yield { header: { name: dir, size: 0, type: 'dir' } };
    }
  }
  function* file(path: string, kind: LargeFile['kind'], size: number, mode?: number): Generator<LayerEntry> {
    yield* withParents(path);
    paths.add(path);
    yield { header: { name: path, size, type: 'file', ...(mode !== undefined ? { mode } : {}) }, data: content(kind, rng, size) };
  }

  for (const fam of recipe.families) {
    let left = Math.round(recipe.budget * fam.share * scale);
    let pkg = '';
    let filesLeftInPackage = 0;
    while (left > 0) {
      if (filesLeftInPackage-- <= 0) {
        pkg = `${rng.pickSkewed(NAME_PARTS)}-${rng.pickSkewed(NAME_PARTS)}`;
        filesLeftInPackage = rng.int(3, 40);
      }
      const path = uniquePath(paths, `${fam.root}/${pkg}${rng.chance(0.5) ? `/${rng.pick(SUBDIRS)}` : ''}/${identifier(rng)}${rng.pick(fam.extensions)}`);
      const size = Math.min(left, rng.size(fam.median, fam.spread, 0, fam.max));
      left -= size;
      yield* file(path, fam.kind, size, isExecutable(fam) ? 0o755 : undefined);
    }
  }
  for (const large of recipe.large ?? []) yield* file(large.path, large.kind, Math.round(large.size * scale));
}

function isExecutable(fam: FileFamily): boolean {
  return fam.kind === 'binary' && /\/(s?bin)$/.test(fam.root);
}

function uniquePath(taken: Set<string>, path: string): string {
  let candidate = path;
  for (let n = 2; taken.has(candidate); n++) candidate = `${path}.${n}`;
  return candidate;
}
