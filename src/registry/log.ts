import createDebug from 'debug';

/** `hoist:registry` debug log. Never pass it a secret: URLs and header names only. */
export const debug = createDebug('hoist:registry');
