import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, afterEach, before, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { MAX_TAG_PAGES, MAX_TAGS } from '../../src/registry/tags.js';
import { parseReference } from '../../src/reference/index.js';
import { registryEndpoint } from '../../src/transports/docker.js';
import { makeScratch, type Scratch } from '../helpers/registry-pull.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';

// Hostile tag lists: pagination without end, pages of more tags than any repository has, links
// that are no URL. Each fails with an error naming the repository, never a hang or a TypeError.
let scratch: Scratch;
before(async () => (scratch = await makeScratch()));
after(async () => scratch.remove());

let server: TestServer | undefined;
afterEach(async () => server?.close());

/** A registry answering `/v2/` and, for tag list pages, whatever `page(n)` says (n counts from 0). */
async function tagServer(page: (n: number, res: ServerResponse) => { tags: string[]; next?: string }): Promise<{ host: string; pages: () => number }> {
  let pages = 0;
  server = await startHttpServer((req, res) => {
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    if (!req.url?.startsWith('/v2/hostile/app/tags/list')) return void res.writeHead(404).end();
    const { tags, next } = page(pages++, res);
    res.writeHead(200, { 'content-type': 'application/json', ...(next !== undefined ? { link: `<${next}>; rel="next"` } : {}) });
    res.end(JSON.stringify({ name: 'hostile/app', tags }));
  });
  return { host: `127.0.0.1:${server.port}`, pages: () => pages };
}

const list = (host: string) => registryEndpoint(parseReference(`${host}/hostile/app`), scratch.options({ insecure: true, retry: 0 })).tags();

test('a next link that always names a new page stops after MAX_TAG_PAGES pages, naming the repository', { timeout: 60_000 }, async () => {
  const { host, pages } = await tagServer((n) => ({ tags: [`t${n}`], next: `/v2/hostile/app/tags/list?n=1&last=t${n}` }));
  await assert.rejects(list(host), (err: unknown) => {
    assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
    assert.equal(err.message, `the tag list of ${host}/hostile/app runs to more than ${MAX_TAG_PAGES} pages; hoist stops there`);
    assert.ok(err.hint !== undefined);
    return true;
  });
  assert.equal(pages(), MAX_TAG_PAGES);
});

test('pages that add up to more than MAX_TAGS tags stop at the page that crosses it', { timeout: 60_000 }, async () => {
  const perPage = 60_000;
  const { host, pages } = await tagServer((n) => ({
    tags: Array.from({ length: perPage }, (_, i) => `p${n}-${i}`),
    next: `/v2/hostile/app/tags/list?page=${n + 1}`,
  }));
  await assert.rejects(list(host), (err: unknown) => {
    assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
    assert.equal(err.message, `the tag list of ${host}/hostile/app runs to more than ${MAX_TAGS} tags; hoist stops there`);
    return true;
  });
  assert.equal(pages(), Math.ceil((MAX_TAGS + 1) / perPage));
});

test('one page of more than MAX_TAGS tags is refused (it used to overflow the stack when spread)', async () => {
  const { host } = await tagServer(() => ({ tags: Array.from({ length: 2 * MAX_TAGS }, (_, i) => `t${i}`) }));
  await assert.rejects(list(host), (err: unknown) => isHoistError(err, 'REGISTRY_ERROR') && err.message.includes(`more than ${MAX_TAGS} tags`));
});

test('a tag list ending within the bounds is listed whole', async () => {
  const { host } = await tagServer((n) => (n < 4 ? { tags: [`t${n}`], next: `/v2/hostile/app/tags/list?n=1&last=t${n}` } : { tags: ['last'] }));
  assert.deepEqual(await list(host), ['t0', 't1', 't2', 't3', 'last']);
});

test('a next link that is no URL is an error naming the tag list and the registry, not a bare "Invalid URL"', async () => {
  const { host } = await tagServer(() => ({ tags: ['a'], next: 'http://[::1/v2/hostile/app/tags/list?last=a' }));
  await assert.rejects(list(host), (err: unknown) => {
    assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
    assert.equal(err.message, `the next-page link of the tag list from ${host} is not a valid URL: "http://[::1/v2/hostile/app/tags/list?…"`);
    return true;
  });
});

test('a tag that is no tag of the reference grammar (a path, a query, 200 characters) refuses the list', async () => {
  for (const bad of ['../../other/app/manifests/x', 'v1?digest=1', 'x'.repeat(200), '-dash', 'a\u001b[31m']) {
    const { host } = await tagServer(() => ({ tags: ['fine', bad] }));
    await assert.rejects(list(host), (err: unknown) => {
      assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
      assert.match(err.message, new RegExp(`^${host} sent a tag list for ${host}/hostile/app with an invalid tag "`));
      assert.doesNotMatch(err.message, /\u001b/);
      return true;
    });
    await server!.close();
    server = undefined;
  }
});
