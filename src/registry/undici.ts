/**
 * The pieces of undici hoist uses, loaded without the rest of the package. `import 'undici'`
 * also loads fetch, WebSocket, EventSource, caches and mocks: ~100 ms and 19 MB of start-up against
 * ~42 ms and 11 MB for these (measured with `require` on Node 20). undici is pinned by the
 * lockfile; these are its own module paths.
 */
import type { Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import api from 'undici/lib/api/index.js';
import buildConnectorFunction from 'undici/lib/core/connect.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';

// As undici's index does: every dispatcher gets the request/stream/pipeline methods.
Object.assign(DispatcherClass.prototype, api);

export const Agent = AgentClass;
/** undici's connector factory (agent.js loads it anyway), for connections with a TLS handshake limit. */
export const buildConnector = buildConnectorFunction;

export interface RequestOptions {
  dispatcher: Dispatcher;
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal | undefined;
}

/**
 * undici's `request(url, options)`, for an explicit dispatcher, on a connection already open to the
 * origin whenever one is free. undici's pool learns that a connection is free again a few
 * microtasks after its response ended; a request dispatched before then (the manifest GET right
 * after the `/v2/` ping) opened a second connection, a TLS handshake and a round trip more. One
 * turn of the event loop first lets the pool catch up. A HEAD keeps its connection too: undici
 * closes it after a HEAD by default in case a broken server sends a body anyway; Go's client, and
 * so Podman, keeps it, and a body there would fail the next response on that connection, not pass
 * as it.
 */
export async function request(url: URL, { dispatcher, ...options }: RequestOptions): Promise<Dispatcher.ResponseData> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return dispatcher.request({
    ...options,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    ...(options.method === 'HEAD' ? { reset: false } : {}),
  });
}
