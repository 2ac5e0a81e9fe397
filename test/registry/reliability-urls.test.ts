import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { after, afterEach, before, test } from 'node:test';
import { isHoistError } from '../../src/errors.js';
import { makeScratch, pull, type Scratch } from '../helpers/registry-pull.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';

// URLs that hoist did not write and that no URL parser accepts: each is an error saying what was
// parsed and where it came from, never a bare `TypeError: Invalid URL`.
let scratch: Scratch;
before(async () => (scratch = await makeScratch()));
after(async () => scratch.remove());

let server: TestServer | undefined;
afterEach(async () => server?.close());

async function hostile(handler: RequestListener): Promise<string> {
  server = await startHttpServer(handler);
  return `127.0.0.1:${server.port}`;
}

const options = () => scratch.options({ insecure: true });

test('a token realm that is no URL names the realm and the registry that sent it', async () => {
  const host = await hostile((_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://[::1/token",service="x"', 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  });
  await assert.rejects(pull(scratch, `${host}/bad/realm:v1`, options()), (err: unknown) => {
    assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
    assert.equal(err.message, `the token service (realm) that ${host} named is not a valid URL: "http://[::1/token"`);
    return true;
  });
});

test("a redirect's Location that is no URL names the redirect and what it was for; its query stays out", async () => {
  const host = await hostile((req, res) => {
    if (req.url === '/v2/') return void res.writeHead(200).end('{}');
    res.writeHead(307, { location: 'http://[::1/blob?X-Amz-Signature=secret-signature' });
    res.end();
  });
  await assert.rejects(pull(scratch, `${host}/bad/redirect:v1`, options()), (err: unknown) => {
    assert.ok(isHoistError(err, 'REGISTRY_ERROR'), String(err));
    assert.equal(err.message, `the Location of ${host}'s redirect for manifest ${host}/bad/redirect:v1 is not a valid URL: "http://[::1/blob?…"`);
    assert.doesNotMatch(err.message, /secret-signature/);
    return true;
  });
});

test('a registry address no URL can hold (port 99999) is an invalid reference naming the registry', async () => {
  await assert.rejects(pull(scratch, '127.0.0.1:99999/bad/port:v1', options()), (err: unknown) => {
    assert.ok(isHoistError(err, 'INVALID_REFERENCE'), String(err));
    // The reference grammar refuses it first, so no URL is ever built from it.
    assert.equal(err.message, 'invalid reference "127.0.0.1:99999/bad/port:v1": invalid port in domain "127.0.0.1:99999": 99999 is above 65535');
    return true;
  });
});
