import { clipped, HoistError, quoted } from '../errors.js';
import { parseReferenceParts } from '../reference/index.js';
import { headerValue, readBounded } from './body.js';
import type { RegistryClient } from './client.js';
import { networkError } from './network-errors.js';
import { withRetries } from './retry.js';
import { parseUrl } from './urls.js';
import { parseJsonObject } from '../untrusted-json.js';

/** One page of a tag list; large repositories have tens of thousands of tags over many pages. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
/**
 * A tag list is followed this far and no further, so that a registry whose `next` link always
 * names a new page cannot keep a pull listing forever (and growing its list without end). The
 * largest public repositories hold tens of thousands of tags; at 100 tags a page, 1,000 pages hold
 * 100,000. A tag is at most 128 characters, so the list stays under ~13 MB.
 */
export const MAX_TAG_PAGES = 1000;
export const MAX_TAGS = 100_000;

/**
 * Lists a repository's tags, following `Link: <…>; rel="next"` pagination to the end.
 * `pageSize` asks for pages of that many tags (`?n=`); registries may ignore it.
 */
export async function fetchTags(client: RegistryClient, pageSize?: number): Promise<string[]> {
  const tags: string[] = [];
  const seen = new Set<string>();
  let path: string | undefined = `/v2/${client.path}/tags/list${pageSize !== undefined ? `?n=${pageSize}` : ''}`;
  while (path !== undefined) {
    if (seen.has(path)) throw new HoistError('REGISTRY_ERROR', `${client.registry} sent a tag list whose pages loop (${path})`);
    if (seen.size === MAX_TAG_PAGES) throw tooLong(client, `more than ${MAX_TAG_PAGES} pages`);
    seen.add(path);
    const page = await fetchPage(client, path);
    if (tags.length + page.tags.length > MAX_TAGS) throw tooLong(client, `more than ${MAX_TAGS} tags`);
    for (const tag of page.tags) tags.push(checkedTag(client, tag));
    path = page.next;
  }
  return tags;
}

/**
 * A tag as the reference grammar has it (at most 128 word characters, dots and dashes). Each one
 * goes into a manifest URL and an image name, where a `/`, `?` or `..` from a hostile registry
 * would name another path.
 */
function checkedTag(client: RegistryClient, tag: string): string {
  let parsed: string | undefined;
  try {
    parsed = parseReferenceParts(`${client.repository}:${tag}`).tag;
  } catch {
    parsed = undefined;
  }
  if (parsed !== tag)
    throw new HoistError('REGISTRY_ERROR', `${client.registry} sent a tag list for ${client.repository} with an invalid tag ${quoted(clipped(tag, 160))}`);
  return tag;
}

function tooLong(client: RegistryClient, bound: string): HoistError {
  return new HoistError('REGISTRY_ERROR', `the tag list of ${client.repository} runs to ${bound}; hoist stops there`, {
    hint: 'a registry whose tag list has no end is broken or hostile; pull the tags you need by name',
  });
}

async function fetchPage(client: RegistryClient, path: string): Promise<{ tags: string[]; next?: string }> {
  return withRetries(client.retry, `tags of ${client.repository}`, client.signal, async () => {
    const response = await client.send({ method: 'GET', path, headers: { accept: 'application/json' }, subject: { kind: 'tags', name: client.repository } });
    const bytes = await readBounded(response.body, response.headers['content-length'], MAX_PAGE_BYTES, {
      code: 'REGISTRY_ERROR',
      what: `a tag list page of ${client.repository}`,
    }).catch((err: unknown) => {
      throw networkError(err, response.url, client.signal);
    });
    const doc = parseJsonObject(bytes, (p) =>
      p.problem === 'syntax'
        ? new HoistError('REGISTRY_ERROR', `${client.registry} sent a tag list for ${client.repository} that is not JSON`)
        : new HoistError('REGISTRY_ERROR', `${client.registry} sent a malformed tag list for ${client.repository}`),
    );
    // An empty repository may send `"tags": null`.
    const tags = doc.tags ?? [];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) {
      throw new HoistError('REGISTRY_ERROR', `${client.registry} sent a malformed tag list for ${client.repository}`);
    }
    const next = nextPage(headerValue(response.headers.link), response.url, client.origin);
    return next === undefined ? { tags } : { tags, next };
  });
}

/** The path of the `rel="next"` link, resolved against the page it came from; same origin only. */
function nextPage(link: string | undefined, base: URL, origin: string): string | undefined {
  const match = link === undefined ? null : /<([^>]*)>\s*;\s*rel="?next"?/.exec(link);
  if (match === null) return undefined;
  const url = parseUrl(match[1]!, base, `the next-page link of the tag list from ${base.host}`);
  if (url.origin !== origin) throw new HoistError('REGISTRY_ERROR', `tag list pagination points at another origin (${url.origin})`);
  return url.pathname + url.search;
}
