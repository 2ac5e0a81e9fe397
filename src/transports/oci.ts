import { DirectoryFiles } from './file-reader.js';
import { openLayout, parseLayoutName, type LayoutName } from './oci-layout.js';
import type { LocalTransport } from './transport.js';

/** `oci:PATH[:REF|:@N]` — an OCI image layout directory. */
export const ociTransport: LocalTransport<LayoutName, 'oci'> = {
  kind: 'local',
  name: 'oci',
  help: {
    syntax: ['oci:PATH[:REF|:@N]'],
    source: 'an OCI image layout directory',
    naming:
      'by REF: an image reference names it (a short one under `localhost/`), a bare tag is a tag of the directory (`localhost/DIR:REF`); `:@N` or no REF → unnamed',
  },
  parse: (rest) => parseLayoutName('oci', rest),
  open: ({ path, description, selector }) => openLayout({ files: new DirectoryFiles(path), description, layoutPath: path, selector, naming: 'ref' }),
};
