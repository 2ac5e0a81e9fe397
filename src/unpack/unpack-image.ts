import { HoistError } from '../errors.js';
import type { UnpackOptions, UnpackResult } from './options.js';

/** Applies the layers of a stored image, in order, into DIR (absent or empty), or makes DIR an OCI runtime bundle. */
export async function unpack(image: string, dir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  void image;
  void dir;
  void options;
  throw new HoistError('INTERNAL', 'unpack: being written');
}
