import { HoistError } from '../errors.js';
import { headerValue, readBounded } from './body.js';
import type { RegistryClient } from './client.js';
import { networkError } from './network-errors.js';
import { withRetries } from './retry.js';
import { parseUrl } from './urls.js';

/** One page of a tag list; large repositories have tens of thousands of tags over many pages. */
const MAX_PAGE_BYTES = 16 * 1024 * 1024;

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
    seen.add(path);
    const page = await fetchPage(client, path);
    tags.push(...page.tags);
    path = page.next;
  }
  return tags;
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
    let doc: { tags?: unknown };
    try {
      doc = JSON.parse(bytes.toString('utf8')) as { tags?: unknown };
    } catch {
      throw new HoistError('REGISTRY_ERROR', `${client.registry} sent a tag list for ${client.repository} that is not JSON`);
    }
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
