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

/** undici's `request(url, options)`, for an explicit dispatcher. */
export function request(url: URL, { dispatcher, ...options }: RequestOptions): Promise<Dispatcher.ResponseData> {
  return dispatcher.request({ ...options, origin: url.origin, path: `${url.pathname}${url.search}` });
}
