import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegistriesConfText } from '../../../src/config/registries/index.js';
import { isHoistError } from '../../../src/errors.js';

const FILE = '/conf/registries.conf';

describe('registries.conf: a wildcard only as the whole first label of a host', () => {
  for (const prefix of ['*.example.com', '*.com', '*.sub-1.example.io']) {
    it(`accepts ${prefix}`, () => {
      const conf = parseRegistriesConfText(`[[registry]]\nprefix = "${prefix}"\nblocked = true\n`, FILE);
      assert.deepEqual(
        conf.registries.map((r) => r.prefix),
        [prefix],
      );
    });
  }

  for (const prefix of ['*.*.example', 'foo.*.example.com', '*example.com', '**.example.com', '*.example.*', '*', '*.', '*.-x.com', 'example.com/*']) {
    it(`refuses ${prefix}, naming the file, line and key`, () => {
      assert.throws(
        () => parseRegistriesConfText(`[[registry]]\nlocation = "x.io"\n\nprefix = "${prefix}"\n`, FILE),
        (err: unknown) =>
          isHoistError(err, 'INVALID_CONFIG') &&
          err.message ===
            `${FILE}:4:1: registry.prefix: Wildcarded prefix should be in the format: *.example.com. Current prefix "${prefix}" is incorrectly formatted`,
      );
    });
  }
});
