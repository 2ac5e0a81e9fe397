export { parseImageName, splitPathAndReference, type ImageName, type TransportName } from './names.js';
export { localTransport } from './dispatch.js';
export type { ImageSource, RawManifest } from '../source/image-source.js';
export type { LocalTransport, OpenedSource, TransportContext } from './transport.js';
