export { parseImageName, splitPathAndReference, type ImageName, type TransportName } from './names.js';
export { localTransport } from './dispatch.js';
export type { ImageSource, OpenedSource, RawManifest } from './image-source.js';
export type { LocalTransport, TransportContext } from './transport.js';
