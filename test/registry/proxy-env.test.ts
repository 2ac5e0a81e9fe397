import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HoistError } from '../../src/errors.js';
import { proxyRules } from '../../src/http1/proxy-env.js';

/** Where a request to `url` goes under `env`: the proxy's `host:port`, or 'direct'. */
function route(env: NodeJS.ProcessEnv, url: string): string {
  const proxy = proxyRules(env).forUrl(new URL(url));
  return proxy === undefined ? 'direct' : `${proxy.hostname}:${proxy.port}`;
}

function refuses(message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HoistError, String(err));
    assert.equal(err.code, 'INVALID_CONFIG');
    assert.match(err.message, message);
    return true;
  };
}

describe('which variable serves which URL (Go httpproxy proxyForURL cases)', () => {
  test('a value without a scheme is an http:// proxy, with or without a port', () => {
    assert.equal(route({ HTTP_PROXY: '127.0.0.1:8080' }, 'http://example.com'), '127.0.0.1:8080');
    assert.equal(route({ HTTP_PROXY: 'cache.corp.example.com:1234' }, 'http://example.com'), 'cache.corp.example.com:1234');
    assert.equal(route({ HTTP_PROXY: 'cache.corp.example.com' }, 'http://example.com'), 'cache.corp.example.com:80');
    assert.equal(route({ HTTP_PROXY: 'localhost' }, 'http://example.com'), 'localhost:80');
    assert.equal(route({ HTTP_PROXY: 'http://127.0.0.1:8080' }, 'http://example.com'), '127.0.0.1:8080');
    assert.equal(route({ HTTP_PROXY: 'http://[2001:db8::1]:3128' }, 'http://example.com'), '2001:db8::1:3128');
  });

  test('HTTP_PROXY serves http URLs, HTTPS_PROXY https ones, and neither stands in for the other', () => {
    const both = { HTTP_PROXY: 'http.proxy.tld', HTTPS_PROXY: 'secure.proxy.tld' };
    assert.equal(route(both, 'http://insecure.tld/'), 'http.proxy.tld:80');
    assert.equal(route(both, 'https://secure.tld/'), 'secure.proxy.tld:80');
    assert.equal(route({ HTTP_PROXY: 'http.proxy.tld' }, 'https://secure.tld/'), 'direct');
    assert.equal(route({ HTTPS_PROXY: 'secure.proxy.tld' }, 'http://insecure.tld/'), 'direct');
    assert.equal(route({ HTTP_PROXY: 'http.proxy.tld' }, 'ftp://insecure.tld/'), 'direct');
    assert.equal(route({}, 'http://example.com'), 'direct');
  });

  test('the upper-case name wins over the lower-case one; an empty value counts as unset', () => {
    assert.equal(route({ HTTPS_PROXY: 'upper:1', https_proxy: 'lower:2' }, 'https://example.com'), 'upper:1');
    assert.equal(route({ HTTPS_PROXY: '', https_proxy: 'lower:2' }, 'https://example.com'), 'lower:2');
    assert.equal(route({ http_proxy: 'lower:2' }, 'http://example.com'), 'lower:2');
    assert.equal(route({ HTTPS_PROXY: 'p:1', NO_PROXY: 'other.com', no_proxy: 'example.com' }, 'https://example.com'), 'p:1');
    assert.equal(route({ HTTPS_PROXY: 'p:1', no_proxy: 'example.com' }, 'https://example.com'), 'direct');
  });

  test('in a CGI process HTTP_PROXY is refused, HTTPS_PROXY still used', () => {
    assert.throws(() => route({ HTTP_PROXY: 'http://10.1.2.3:8080', REQUEST_METHOD: 'GET' }, 'http://example.com'), refuses(/CGI/));
    assert.equal(route({ HTTPS_PROXY: 'http://10.1.2.3:8080', REQUEST_METHOD: 'GET' }, 'https://secure.tld/'), '10.1.2.3:8080');
  });

  test('NO_PROXY domains: the domain and its subdomains; with a leading dot, subdomains only; IDNs as punycode', () => {
    const via = (noProxy: string, url: string) => route({ HTTP_PROXY: 'proxy', NO_PROXY: noProxy }, url);
    assert.equal(via('example.com', 'http://example.com/'), 'direct');
    assert.equal(via('.example.com', 'http://example.com/'), 'proxy:80');
    assert.equal(via('ample.com', 'http://example.com/'), 'proxy:80');
    assert.equal(via('example.com', 'http://foo.example.com/'), 'direct');
    assert.equal(via('.foo.com', 'http://example.com/'), 'proxy:80');
    assert.equal(via('.示例.com', 'http://www.示例.com'), 'direct');
    assert.equal(via('xn--fsq092h.com', 'http://www.示例.com'), 'direct');
    assert.equal(via('示例.com', 'http://www.xn--fsq092h.com'), 'direct');
  });
});

describe('NO_PROXY and the loopback exemption (Go httpproxy TestUseProxy)', () => {
  const noProxy =
    'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64';
  const cases: [string, boolean][] = [
    ['localhost', false],
    ['127.0.0.1', false],
    ['127.0.0.2', false],
    ['[::1]', false],
    ['[::2]', true],
    ['192.168.1.1', false],
    ['192.168.1.2', true],
    ['192.168.1.3', false],
    ['192.168.1.4', true],
    ['10.0.0.2', false],
    ['[2001:db8::52:0:1]', false],
    ['[2001:db8::52:0:2]', true],
    ['[2001:db8::52:0:3]', false],
    ['[2002:db8:a::123]', false],
    ['[fe80::424b:c8be:1643:a1b6]', true],
    ['barbaz.net', true],
    ['www.barbaz.net', false],
    ['foobar.com', false],
    ['www.foobar.com', false],
    ['foofoobar.com', true],
    ['baz.com', true],
    ['localhost.net', true],
    ['local.localhost', true],
    ['barbarbaz.net', true],
    ['wildcard.io', true],
    ['nested.wildcard.io', false],
    ['awildcard.io', true],
  ];
  for (const [host, proxied] of cases) {
    test(`${host}:80 ${proxied ? 'goes through the proxy' : 'goes direct'}`, () => {
      assert.equal(route({ HTTP_PROXY: 'proxy:3128', NO_PROXY: noProxy }, `http://${host}:80/`), proxied ? 'proxy:3128' : 'direct');
    });
  }

  test('`*` sends everything direct', () => {
    for (const [host] of cases) assert.equal(route({ HTTP_PROXY: 'proxy:3128', NO_PROXY: '*' }, `http://${host}/`), 'direct');
  });

  test('loopback goes direct with no NO_PROXY at all, an IPv4-mapped loopback address too; a name under localhost does not', () => {
    for (const url of ['https://localhost:5000/', 'https://127.0.0.1/', 'https://127.9.9.9:443/', 'https://[::1]:5000/', 'https://[::ffff:127.0.0.1]/']) {
      assert.equal(route({ HTTPS_PROXY: 'proxy:3128' }, url), 'direct', url);
    }
    assert.equal(route({ HTTPS_PROXY: 'proxy:3128' }, 'https://registry.localhost/'), 'proxy:3128');
  });

  test("a port in NO_PROXY is compared with the URL's, the default one included", () => {
    const env = { HTTPS_PROXY: 'proxy:3128', HTTP_PROXY: 'proxy:3128', NO_PROXY: 'example.com:443' };
    assert.equal(route(env, 'https://example.com/'), 'direct');
    assert.equal(route(env, 'https://example.com:443/'), 'direct');
    assert.equal(route(env, 'http://example.com/'), 'proxy:3128');
    assert.equal(route(env, 'https://example.com:5000/'), 'proxy:3128');
  });

  test('malformed entries are ignored, as Go ignores them', () => {
    assert.equal(route({ HTTP_PROXY: 'proxy:3128', NO_PROXY: ':1' }, 'http://example.com/'), 'proxy:3128');
    assert.equal(route({ HTTP_PROXY: 'proxy:3128', NO_PROXY: ' , [::1, :80,example.com' }, 'http://example.com/'), 'direct');
  });
});

describe('the proxy URL', () => {
  test('its user and password (percent-decoded) become a Basic Proxy-Authorization; its label never shows them', () => {
    const proxy = proxyRules({ HTTPS_PROXY: 'http://us%3Aer:p%40ss@proxy.example:3128' }).forUrl(new URL('https://registry.example/'))!;
    assert.equal(proxy.authorization, `Basic ${Buffer.from('us:er:p@ss').toString('base64')}`);
    assert.equal(proxy.label, 'proxy http://proxy.example:3128 (HTTPS_PROXY)');
    assert.ok(!proxy.key.includes('p%40ss') && !proxy.key.includes('p@ss'));
    assert.equal(proxyRules({ HTTPS_PROXY: 'proxy.example:3128' }).forUrl(new URL('https://registry.example/'))!.authorization, undefined);
  });

  test('a proxy hoist cannot use fails the request that would use it, naming the variable and never its value', () => {
    const rules = proxyRules({ HTTPS_PROXY: 'socks5://user:secret@proxy:1080', HTTP_PROXY: 'http://user:secret@[::1', NO_PROXY: 'exempt.example' });
    assert.throws(
      () => rules.forUrl(new URL('https://registry.example/')),
      (err) =>
        refuses(/^HTTPS_PROXY names a socks5:\/\/ proxy at proxy:1080; hoist reaches proxies over plain HTTP only$/)(err) && !String(err).includes('secret'),
    );
    assert.throws(
      () => rules.forUrl(new URL('http://registry.example/')),
      (err) => refuses(/^HTTP_PROXY does not hold a proxy URL$/)(err) && !String(err).includes('secret'),
    );
    assert.throws(
      () => proxyRules({ https_proxy: 'https://proxy:3128' }).forUrl(new URL('https://registry.example/')),
      refuses(/^https_proxy names a https:\/\/ proxy/),
    );
    // A request that goes direct anyway is not failed by a variable it does not use.
    assert.equal(rules.forUrl(new URL('https://exempt.example/')), undefined);
    assert.equal(rules.forUrl(new URL('https://127.0.0.1:5000/')), undefined);
  });

  test('rules that route alike share a key; no proxy at all is the empty key', () => {
    assert.equal(proxyRules({}).key, '');
    assert.equal(proxyRules({ NO_PROXY: 'example.com' }).key, '');
    assert.equal(proxyRules({ HTTPS_PROXY: 'p:1' }).key, proxyRules({ https_proxy: 'p:1' }).key);
    assert.notEqual(proxyRules({ HTTPS_PROXY: 'p:1' }).key, proxyRules({ HTTPS_PROXY: 'p:1', NO_PROXY: 'x' }).key);
    assert.notEqual(proxyRules({ HTTPS_PROXY: 'http://a:b@p:1' }).key, proxyRules({ HTTPS_PROXY: 'http://a:c@p:1' }).key);
  });
});
