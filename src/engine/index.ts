export { pull } from './pull.js';
export type { PullOptions, PulledImage, PullPolicy } from './options.js';
