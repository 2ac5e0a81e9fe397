import { defaultStoreRoot, Store } from '../store/index.js';

export interface GlobalArgs {
  root?: string;
  'log-level': string;
}

export function openStore(args: GlobalArgs): Promise<Store> {
  return Store.open(args.root ?? defaultStoreRoot());
}
