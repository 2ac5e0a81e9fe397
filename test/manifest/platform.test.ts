import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoistError } from '../../src/errors.js';
import { chooseInstance, hostPlatform, samePlatform, wantedPlatform, type Descriptor, type Platform, type WantedPlatform } from '../../src/manifest/index.js';

let n = 0;
function entry(platform?: Platform): Descriptor {
  n++;
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${String(n).padStart(64, '0')}`,
    size: 100,
    ...(platform ? { platform } : {}),
  };
}
const p = (os: string, architecture: string, variant?: string): Platform => ({ os, architecture, ...(variant ? { variant } : {}) });

const amd64 = entry(p('linux', 'amd64'));
const arm64v8 = entry(p('linux', 'arm64', 'v8'));
const arm64 = entry(p('linux', 'arm64'));
const armv5 = entry(p('linux', 'arm', 'v5'));
const armv6 = entry(p('linux', 'arm', 'v6'));
const armv7 = entry(p('linux', 'arm', 'v7'));
const windows = entry(p('windows', 'amd64'));
const attestation = entry(p('unknown', 'unknown'));
const noPlatform = entry();

const chosen: Array<[what: string, list: Descriptor[], want: WantedPlatform, expected: Descriptor]> = [
  ['the exact platform', [noPlatform, windows, arm64v8, amd64], { os: 'linux', architecture: 'amd64' }, amd64],
  ['arm64 as arm64/v8', [amd64, arm64v8], { os: 'linux', architecture: 'arm64' }, arm64v8],
  ['arm64/v8 as plain arm64', [amd64, arm64], { os: 'linux', architecture: 'arm64', variant: 'v8' }, arm64],
  ['arm/v7 over v6 whatever the order', [armv6, armv5, armv7], { os: 'linux', architecture: 'arm', variant: 'v7' }, armv7],
  ['arm/v6 when arm/v7 has no v7', [armv5, armv6], { os: 'linux', architecture: 'arm', variant: 'v7' }, armv6],
  ['arm/v5 when it is all arm/v7 can run', [amd64, armv5], { os: 'linux', architecture: 'arm', variant: 'v7' }, armv5],
  ['plain arm as arm/v7', [armv6, armv7], { os: 'linux', architecture: 'arm' }, armv7],
  ['an alias of the architecture (x86_64)', [arm64v8, amd64], { os: 'linux', architecture: 'x86_64' }, amd64],
];

for (const [what, list, want, expected] of chosen) {
  test(`chooseInstance picks ${what}`, () => {
    assert.equal(chooseInstance(list, want, 'idx'), expected);
  });
}

test('chooseInstance: no match is an error naming the wanted platform and listing the offered ones', () => {
  assert.throws(
    () => chooseInstance([amd64, arm64v8, attestation, noPlatform], { os: 'linux', architecture: 's390x' }, 'oci:x'),
    (err: unknown) => {
      assert.ok(err instanceof HoistError);
      assert.equal(err.code, 'NO_MATCHING_PLATFORM');
      assert.equal(err.message, 'oci:x: no image found in image index for architecture "linux/s390x"');
      assert.equal(err.hint, 'the index offers: linux/amd64, linux/arm64/v8; choose one with --platform');
      return true;
    },
  );
});

test('chooseInstance never picks a newer variant than asked, nor another OS', () => {
  assert.throws(() => chooseInstance([armv7], { os: 'linux', architecture: 'arm', variant: 'v6' }, 'i'), { code: 'NO_MATCHING_PLATFORM' });
  assert.throws(() => chooseInstance([windows], { os: 'linux', architecture: 'amd64' }, 'i'), { code: 'NO_MATCHING_PLATFORM' });
  const armv6 = entry(p('linux', 'arm', 'v6'));
  assert.equal(chooseInstance([armv6], { os: 'linux', architecture: 'arm', variant: 'v7' }, 'i'), armv6, 'an older variant runs where a newer is asked for');
});

test('hostPlatform maps Node names to OCI names', () => {
  const host = hostPlatform();
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
  assert.equal(host.os, process.platform);
  assert.equal(host.architecture, arch[process.arch] ?? process.arch);
});

test('wantedPlatform combines --platform / --os / --arch / --variant with the host', () => {
  const host = hostPlatform();
  assert.deepEqual(wantedPlatform({}), host);
  assert.deepEqual(wantedPlatform({ platform: 'linux/arm64' }), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(wantedPlatform({ platform: 'linux/arm/v6' }), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(wantedPlatform({ platform: 'linux/arm/v6', variant: 'v7' }), { os: 'linux', architecture: 'arm', variant: 'v7' });
  // A custom arch does not inherit the host's variant.
  assert.deepEqual(wantedPlatform({ arch: 'arm64' }), { os: host.os, architecture: 'arm64' });
  assert.deepEqual(wantedPlatform({ os: 'windows' }), { os: 'windows', architecture: host.architecture });
  assert.deepEqual(wantedPlatform({ arch: 'arm', variant: 'v5' }), { os: host.os, architecture: 'arm', variant: 'v5' });
});

test('wantedPlatform: --platform with --arch or --os is an error', () => {
  for (const flags of [
    { platform: 'linux/amd64', arch: 'arm64' },
    { platform: 'linux/amd64', os: 'linux' },
  ]) {
    assert.throws(() => wantedPlatform(flags), { code: 'INVALID_ARGUMENT', message: '--platform option can not be specified with --arch or --os' });
  }
});

for (const bad of ['linux', 'linux/', '/amd64', 'linux/arm/v7/extra', '']) {
  test(`wantedPlatform refuses the platform ${JSON.stringify(bad)}`, () => {
    assert.throws(() => wantedPlatform({ platform: bad }), { code: 'INVALID_ARGUMENT', message: `invalid platform "${bad}": expected OS/ARCH[/VARIANT]` });
  });
}

test('samePlatform compares normalized platforms, with or without the variant', () => {
  assert.equal(samePlatform({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'aarch64', variant: 'v8' }), true);
  assert.equal(samePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm' }), false);
  assert.equal(samePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm' }, false), true);
  assert.equal(samePlatform({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }, false), false);
});
