import { HoistError } from '../errors.js';
import { parseJsonObject } from '../untrusted-json.js';
import { validateDescriptor, type Descriptor } from './descriptor.js';
import { imageManifestMediaTypes, indexMediaTypes, MediaType, schema1MediaTypes } from './media-types.js';

export interface ParsedIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ParsedImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest = ParsedIndex | ParsedImageManifest;

/** Content types that say nothing about the document (some servers and files use them). */
const genericContentTypes = new Set(['', 'application/json', 'text/plain', 'application/octet-stream', 'binary/octet-stream']);

const schema1Error = (where: string) =>
  new HoistError('UNSUPPORTED_MANIFEST', `${where}: schema 1 images are not supported`, {
    hint: 'the image was pushed in the deprecated Docker schema 1 format; re-push it with a current tool',
  });

/**
 * Parses and validates a manifest or index. `contentType` is what the transport claims (HTTP
 * Content-Type, a descriptor's mediaType); a claim that contradicts the document is refused, as is
 * a document that is both an index and a manifest (CVE-2021-41190).
 */
export function parseManifest(bytes: Buffer, contentType: string | undefined, where: string): ParsedManifest {
  const claimed = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (schema1MediaTypes.has(claimed)) throw schema1Error(where);
  const m = parseJsonObject(
    bytes,
    (p) =>
      new HoistError(
        'INVALID_MANIFEST',
        p.problem === 'syntax' ? `${where}: manifest is not valid JSON: ${p.message}` : `${where}: manifest is not a JSON object`,
      ),
  );
  if (m.schemaVersion === 1) throw schema1Error(where);
  if (m.schemaVersion !== 2) {
    throw new HoistError('INVALID_MANIFEST', `${where}: unsupported manifest schemaVersion ${JSON.stringify(m.schemaVersion)}`);
  }
  const looksLikeIndex = m.manifests !== undefined;
  const looksLikeManifest = m.config !== undefined || m.layers !== undefined;
  if (looksLikeIndex && looksLikeManifest) {
    throw new HoistError('INVALID_MANIFEST', `${where}: ambiguous document has both "manifests" and "config"/"layers"`);
  }
  const declared = typeof m.mediaType === 'string' ? m.mediaType : undefined;
  const mediaType = declared ?? (genericContentTypes.has(claimed) ? undefined : claimed) ?? (looksLikeIndex ? MediaType.ociIndex : MediaType.ociManifest);
  if (declared !== undefined && !genericContentTypes.has(claimed) && claimed !== declared) {
    throw new HoistError('INVALID_MANIFEST', `${where}: content type ${claimed} does not match the document's mediaType ${declared}`);
  }
  if (indexMediaTypes.has(mediaType)) {
    if (looksLikeManifest || !Array.isArray(m.manifests)) {
      throw new HoistError('INVALID_MANIFEST', `${where}: ${mediaType} document has no "manifests" list`);
    }
    return {
      kind: 'index',
      mediaType,
      manifests: m.manifests.map((d, i) => validateDescriptor(d, `${where}: manifests[${i}]`)),
      ...annotationsOf(m),
    };
  }
  if (imageManifestMediaTypes.has(mediaType)) {
    if (looksLikeIndex || !Array.isArray(m.layers) || m.config === undefined) {
      throw new HoistError('INVALID_MANIFEST', `${where}: ${mediaType} document needs "config" and "layers"`);
    }
    return {
      kind: 'manifest',
      mediaType,
      config: validateDescriptor(m.config, `${where}: config`),
      layers: m.layers.map((d, i) => validateDescriptor(d, `${where}: layers[${i}]`)),
      ...annotationsOf(m),
    };
  }
  if (schema1MediaTypes.has(mediaType)) throw schema1Error(where);
  throw new HoistError('UNSUPPORTED_MANIFEST', `${where}: unsupported manifest media type ${mediaType}`);
}

function annotationsOf(m: Record<string, unknown>): { annotations?: Record<string, string> } {
  const a = m.annotations;
  return typeof a === 'object' && a !== null ? { annotations: a as Record<string, string> } : {};
}
