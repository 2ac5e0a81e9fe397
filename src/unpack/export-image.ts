import { HoistError } from '../errors.js';
import type { ExportResult, ImageReadOptions } from './options.js';

/** Writes the flattened root filesystem of a stored image as one tar, to a file or a stream. */
export async function exportImage(image: string, output: string | NodeJS.WritableStream, options: ImageReadOptions = {}): Promise<ExportResult> {
  void image;
  void output;
  void options;
  throw new HoistError('INTERNAL', 'exportImage: being written');
}
