import { concurrency } from './concurrency.js';
import { diskFull } from './disk-full.js';
import { faults } from './faults.js';
import { fuzzArchives, fuzzCli, fuzzConfigs, fuzzLayouts, fuzzNames } from './fuzz/fuzz.js';
import { hostileRegistry } from './hostile.js';
import { kill9 } from './kill9.js';
import { specialFiles } from './special-files.js';
import type { Category } from './trial.js';

/** Every category, in the order the table lists them. */
export const categories: Category[] = [
  kill9,
  concurrency,
  faults,
  hostileRegistry,
  fuzzNames,
  fuzzConfigs,
  fuzzArchives,
  fuzzLayouts,
  fuzzCli,
  specialFiles,
  diskFull,
];
