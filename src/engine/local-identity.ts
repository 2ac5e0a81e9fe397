import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LocalName, LocalTransport } from '../transports/index.js';
import type { PolicyIdentity } from '../trust/index.js';

/** containers/image matches the path with symlinks resolved ("paths must be absolute and contain no symlinks"). */
export async function localIdentity(transport: LocalTransport, { path }: LocalName): Promise<Extract<PolicyIdentity, { path: string }>> {
  const absolute = await realpath(path).catch(() => resolve(path));
  return { transport: transport.name, path: absolute };
}
