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
