import { HoistError } from '../errors.js';

/** One layer of the image being unpacked: its blob and the diff_id the config gives it. */
export interface LayerInput {
  /** 0-based position in the manifest. */
  index: number;
  digest: string;
  size: number;
  diffId: string;
}

/** The error for a layer that cannot be applied; it names the layer by position and digest. */
export function invalidLayer(layer: Pick<LayerInput, 'index' | 'digest'>, detail: string, cause?: unknown): HoistError {
  return new HoistError('INVALID_LAYER', `layer ${layer.index + 1} (${layer.digest}): ${detail}`, {
    details: { reference: layer.digest },
    ...(cause === undefined ? {} : { cause }),
  });
}
