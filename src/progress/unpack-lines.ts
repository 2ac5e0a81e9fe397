import { printable } from '../errors.js';
import type { UnpackEvent } from './events.js';
import { jsonLine } from './json-lines.js';

/** An unpack's progress as lines: one per layer (a layer is written at disk speed, too fast for bars to say more), warnings, the end. */
export function unpackPlainRenderer(writeLine: (line: string) => void): (event: UnpackEvent) => void {
  const write = (line: string) => writeLine(printable(line));
  let layers = 0;
  return (event) => {
    switch (event.type) {
      case 'unpack-start':
        layers = event.layers;
        write(`Unpacking image ${event.id} (${layers} layer${layers === 1 ? '' : 's'})`);
        break;
      case 'layer-start':
        write(`Applying layer ${event.digest} (${event.index + 1}/${layers})`);
        break;
      case 'warning':
        write(`Warning: ${event.message}`);
        break;
      case 'unpack-done':
        write(`Unpacked ${event.id} in ${event.seconds.toFixed(2)} s`);
        break;
      default:
        break;
    }
  };
}

/** Every unpack event as one JSON line; layer progress is already thinned to 4 a second by the unpack. */
export function unpackJsonRenderer(write: (line: string) => void): (event: UnpackEvent) => void {
  return (event) => write(jsonLine(event));
}
