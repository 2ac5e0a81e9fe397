import { HoistError, quoted } from '../errors.js';
import { formatReference, localImageName, parseReference, withDefaultTag, type ImageReference } from '../reference/index.js';
import type { ArchiveImageItem } from './docker-archive-manifest.js';
import { parsePosition } from './local-name.js';

export interface SelectedArchiveImage {
  item: ArchiveImageItem;
  /** Its position in manifest.json. */
  position: number;
  /** Full names the pulled image gets (empty: unnamed, known by its ID). */
  names: string[];
}

const tagged = (ref: ImageReference) => formatReference(withDefaultTag(ref));

function describeImages(items: readonly ArchiveImageItem[]): string {
  return items.map((item, i) => `@${i}: ${item.repoTags.length > 0 ? item.repoTags.join(', ') : '(untagged)'}`).join('; ');
}

/** Which image of the archive: by tag (normalized as a registry name), by position, or the only one. */
export type ArchiveSelector = { tag: string } | { position: number } | undefined;

/** Parses `:NAME[:TAG]` / `:@N` before the archive is opened, so a digest reference fails at once. */
export function parseArchiveSelector(ref: string | undefined, description: string): ArchiveSelector {
  if (ref === undefined) return undefined;
  const position = parsePosition(ref, description);
  if (position !== undefined) return { position };
  const wanted = parseReference(ref);
  if (wanted.digest !== undefined) {
    throw new HoistError('INVALID_REFERENCE', `docker-archive doesn't support digest references: ${ref}`);
  }
  return { tag: tagged(wanted) };
}

/**
 * Chooses the image of a docker archive: by RepoTags (both sides normalized as registry names,
 * as containers/image matches them), by position, or the only image. The image is named by all
 * its RepoTags, or by the one tag that selected it, as Podman does.
 */
export function selectArchiveImage(items: readonly ArchiveImageItem[], selector: ArchiveSelector, description: string): SelectedArchiveImage {
  const withTag = <T>(position: number, tag: string, parse: (tag: string) => T): T => {
    try {
      return parse(tag);
    } catch (err) {
      throw new HoistError('INVALID_SOURCE', `${description}: invalid tag ${quoted(tag)} in manifest.json item @${position}: ${(err as Error).message}`);
    }
  };
  const chosen = (position: number, tags: readonly string[]): SelectedArchiveImage => ({
    item: items[position]!,
    position,
    names: [...new Set(tags.map((tag) => withTag(position, tag, localImageName)))],
  });

  if (selector === undefined) {
    if (items.length === 1) return chosen(0, items[0]!.repoTags);
    if (items.length === 0) throw new HoistError('INVALID_SOURCE', `${description}: the archive holds no images`);
    throw new HoistError('INVALID_SOURCE', `${description}: the archive holds ${items.length} images, choose one`, {
      hint: `append :NAME:TAG or :@N to the path — ${describeImages(items)}`,
    });
  }
  if ('position' in selector) {
    const item = items[selector.position];
    if (item === undefined) {
      throw new HoistError('INVALID_SOURCE', `${description}: no image at position @${selector.position} (the archive holds ${items.length})`);
    }
    return chosen(selector.position, item.repoTags);
  }
  for (const [i, item] of items.entries()) {
    const tag = item.repoTags.find((t) => withTag(i, t, (name) => tagged(parseReference(name))) === selector.tag);
    if (tag !== undefined) return chosen(i, [tag]);
  }
  throw new HoistError('IMAGE_NOT_KNOWN', `${description}: no image tagged "${selector.tag}" in the archive`, {
    hint: items.length > 0 ? `the archive holds: ${describeImages(items)}` : 'the archive holds no images',
  });
}
