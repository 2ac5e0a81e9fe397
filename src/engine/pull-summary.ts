import type { CopyEvent, EventListener } from '../progress/events.js';
import type { PulledImage } from './options.js';

interface Counted {
  fetchedBytes: number;
  skippedBytes: number;
}

/**
 * Counts what each copy of one pull() fetched and found stored, from the copier's own events, so
 * the summary a pull ends with agrees with the progress it showed. An image that needed no copy
 * (present, or up to date) fetched nothing.
 */
export class PullSummary {
  readonly #started = performance.now();
  readonly #emit: EventListener;
  readonly #byImage = new Map<string, Counted>();
  #current: Counted = { fetchedBytes: 0, skippedBytes: 0 };

  constructor(emit: EventListener) {
    this.#emit = emit;
  }

  /** The listener the pull emits through: every event passes on, counted on the way. */
  readonly listener = (event: CopyEvent): void => {
    if (event.type === 'blob-done') {
      if (event.skipped) this.#current.skippedBytes += event.size;
      else this.#current.fetchedBytes += event.size;
    } else if (event.type === 'copy-done') {
      this.#byImage.set(event.id, this.#current);
      this.#current = { fetchedBytes: 0, skippedBytes: 0 };
    }
    this.#emit(event);
  };

  /** One `pull-done` event per pulled image, with the time since the pull began. */
  report(images: readonly PulledImage[]): void {
    const seconds = Math.round(performance.now() - this.#started) / 1000;
    for (const image of images) {
      const counted = this.#byImage.get(image.id);
      this.#emit({ type: 'pull-done', id: image.id, names: image.names, copied: counted !== undefined, fetchedBytes: 0, skippedBytes: 0, ...counted, seconds });
    }
  }
}
