export {
  parseImageName,
  parseTransportName,
  transportPrefix,
  transports,
  unsupportedTransports,
  type ImageName,
  type ParsedImageName,
  type TransportName,
} from './table.js';
export { splitPathAndReference } from './local-name.js';
export type { ImageSource, RawManifest } from '../source/image-source.js';
export type { LocalName, LocalSelection, LocalTransport, OpenedLocalSource, OpenedSource, RegistryName, TransportContext, TransportHelp } from './transport.js';
