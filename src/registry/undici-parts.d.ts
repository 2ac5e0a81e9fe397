// Types for the undici modules that src/registry/undici.ts loads directly; their shapes are the
// package's own public types.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentClass: typeof Agent;
  export default AgentClass;
}

declare module 'undici/lib/dispatcher/dispatcher.js' {
  const DispatcherClass: { prototype: object };
  export default DispatcherClass;
}

declare module 'undici/lib/api/index.js' {
  const api: Record<string, unknown>;
  export default api;
}

declare module 'undici/lib/core/connect.js' {
  import type { Socket } from 'node:net';
  import type { TLSSocket } from 'node:tls';
  import type { buildConnector } from 'undici';
  // The package's types say the connector returns nothing; its source returns the socket it made.
  function buildConnectorFunction(options?: buildConnector.BuildOptions): (options: buildConnector.Options, callback: buildConnector.Callback) => Socket | TLSSocket;
  export default buildConnectorFunction;
}
