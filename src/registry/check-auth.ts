import type { Credentials } from '../config/auth/index.js';
import { discard } from './body.js';
import { RegistryClient } from './client.js';
import type { RegistrySourceOptions } from './options.js';

/**
 * Whether `registry` accepts `credentials`, as containers/image's CheckAuth asks before a login
 * writes anything: the `/v2/` ping learns the scheme, then `/v2/` is asked again with Basic, or
 * with a token for no particular scope. A refusal is UNAUTHORIZED; a registry that asks for no
 * credentials at all accepts any.
 */
export async function checkCredentials(registry: string, credentials: Credentials, options: RegistrySourceOptions): Promise<void> {
  const client = await RegistryClient.open(registry, '', { ...options, creds: credentials });
  const response = await client.send({ method: 'GET', path: '/v2/', subject: { kind: 'ping', name: registry }, scope: '' });
  discard(response.body);
}
