/**
 * Regenerates examples/hello: a tiny OCI layout that `npm run demo` pulls. Deterministic, so the
 * committed layout only changes when this script does. Run: npm run make-example
 */
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildImage, writeOciLayout } from '../test/helpers/images.js';

const target = fileURLToPath(new URL('../../examples/hello', import.meta.url));

const image = buildImage({
  created: '2026-01-01T00:00:00Z',
  labels: { 'org.opencontainers.image.title': 'hello', 'org.opencontainers.image.description': 'the hoist demo image' },
  layers: [
    {
      'etc/motd': 'Hello from hoist, a daemonless image pull engine.\n',
      'etc/hoist-release': 'NAME=hoist-demo\nVERSION=1.0\n',
    },
    {
      'usr/local/bin/hello': '#!/bin/sh\necho "hello, world"\n',
      'usr/share/doc/hello/README': 'This image exists to show `hoist pull oci:examples/hello:1.0`.\n',
    },
  ],
});

await rm(target, { recursive: true, force: true });
await writeOciLayout(target, [{ top: image.manifest, refName: '1.0' }], image.blobs.values());
process.stdout.write(`wrote ${target} (image ID ${image.id})\n`);
