/**
 * Tar entry names are data, not paths: they are compared, never joined onto the filesystem.
 * They are still refused when they could mean something outside the archive (absolute, `..`),
 * because no legitimate image archive writes such names and a tool that extracts it would be at risk.
 */

/** Why `raw` cannot name an entry, or undefined when it is acceptable. */
function nameProblem(raw: string): string | undefined {
  if (raw.startsWith('/')) return 'is an absolute path';
  if (raw.split('/').includes('..')) return 'has a ".." component';
  if (raw.includes('\0')) return 'contains a NUL byte';
  return undefined;
}

/**
 * The canonical form of an entry name, so `./manifest.json` and `manifest.json` (what `tar -C dir .`
 * and docker save write) are the same entry. Returns an error message when the name is refused.
 */
export function normalizeEntryName(raw: string): { name: string } | { problem: string } {
  const problem = nameProblem(raw);
  if (problem !== undefined) return { problem: `entry name "${raw}" ${problem}` };
  return {
    name: raw
      .split('/')
      .filter((c) => c !== '' && c !== '.')
      .join('/'),
  };
}

/**
 * Where a symlink entry points, as an entry name: its target resolved against the link's own
 * directory, as containers/image does. A target that is absolute or climbs out of the archive
 * root is refused.
 */
export function resolveLinkTarget(linkName: string, target: string): { name: string } | { problem: string } {
  if (target.startsWith('/')) return { problem: `symlink "${linkName}" points at an absolute path "${target}"` };
  const parts = linkName.split('/').slice(0, -1);
  for (const component of target.split('/')) {
    if (component === '' || component === '.') continue;
    if (component !== '..') parts.push(component);
    else if (parts.pop() === undefined) return { problem: `symlink "${linkName}" points outside the archive ("${target}")` };
  }
  return { name: parts.join('/') };
}
