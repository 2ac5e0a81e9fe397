import { DirectoryFiles } from './file-reader.js';
import { splitPathAndReference } from './names.js';
import { openLayout } from './oci-layout.js';
import type { LocalTransport } from './transport.js';

/** `oci:PATH[:REF|:@N]` — an OCI image layout directory. */
export const ociTransport: LocalTransport = {
  name: 'oci',
  path: (reference) => splitPathAndReference(reference).path,
  async open(reference) {
    const { path, ref } = splitPathAndReference(reference);
    return openLayout({ files: new DirectoryFiles(path), description: `oci:${reference}`, layoutPath: path, ref, naming: 'ref' });
  },
};
