import { HoistError } from '../errors.js';
import type { Descriptor, Platform } from './descriptor.js';

export interface WantedPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

const archAliases: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' };

/** Normalizes as containerd does, so `arm64` ≡ `arm64/v8` and `arm` ≡ `arm/v7`. */
export function normalizePlatform(p: WantedPlatform): Required<WantedPlatform> {
  const rawArch = p.architecture.toLowerCase();
  const architecture = archAliases[rawArch] ?? rawArch;
  let variant = (p.variant ?? '').toLowerCase();
  if (rawArch === 'armel' && variant === '') variant = 'v6';
  if (architecture === 'arm64' && variant === '') variant = 'v8';
  if (architecture === 'arm' && variant === '') variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = '';
  return { os: p.os.toLowerCase(), architecture, variant };
}

/** The platform hoist runs on, in OCI terms. */
export function hostPlatform(): WantedPlatform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  switch (process.arch) {
    case 'x64':
      return { os, architecture: 'amd64' };
    case 'arm64':
      return { os, architecture: 'arm64', variant: 'v8' };
    case 'arm':
      return { os, architecture: 'arm', variant: 'v7' };
    case 'ia32':
      return { os, architecture: '386' };
    default:
      return { os, architecture: process.arch };
  }
}

export interface PlatformFlags {
  platform?: string;
  os?: string;
  arch?: string;
  variant?: string;
}

/** Combines `--platform OS/ARCH[/VARIANT]` or `--os/--arch/--variant` with the host defaults. */
export function wantedPlatform(flags: PlatformFlags): WantedPlatform {
  const host = hostPlatform();
  if (flags.platform !== undefined) {
    if (flags.os !== undefined || flags.arch !== undefined) {
      throw new HoistError('INVALID_ARGUMENT', '--platform option can not be specified with --arch or --os');
    }
    const parts = flags.platform.split('/');
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
      throw new HoistError('INVALID_ARGUMENT', `invalid platform "${flags.platform}": expected OS/ARCH[/VARIANT]`);
    }
    const [os, architecture, variant] = parts as [string, string, string?];
    return variant === undefined ? { os, architecture } : { os, architecture, variant: flags.variant ?? variant };
  }
  const custom = flags.os !== undefined || flags.arch !== undefined;
  const base: WantedPlatform = {
    os: flags.os ?? host.os,
    architecture: flags.arch ?? host.architecture,
    ...(custom ? {} : host.variant !== undefined ? { variant: host.variant } : {}),
  };
  return flags.variant !== undefined ? { ...base, variant: flags.variant } : base;
}

export function isCustomPlatform(flags: PlatformFlags): boolean {
  return flags.platform !== undefined || flags.os !== undefined || flags.arch !== undefined || flags.variant !== undefined;
}

/** Variants a platform can run, best first: arm/v7 runs v7, v6, v5; amd64/v3 runs v3, v2, v1. */
function compatibleVariants(p: Required<WantedPlatform>): string[] {
  const ladder = p.architecture === 'arm' ? ['v8', 'v7', 'v6', 'v5'] : p.architecture === 'amd64' ? ['v4', 'v3', 'v2', ''] : undefined;
  if (ladder === undefined || !ladder.includes(p.variant)) return [p.variant];
  return ladder.slice(ladder.indexOf(p.variant));
}

export function formatPlatform(p: { os: string; architecture: string; variant?: string | undefined }): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}

/** True when two platforms are the same once normalized; `compareVariant: false` looks at OS and architecture only. */
export function samePlatform(a: WantedPlatform, b: WantedPlatform, compareVariant = true): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture && (!compareVariant || x.variant === y.variant);
}

function rank(want: Required<WantedPlatform>, candidate: Platform): number {
  const have = normalizePlatform(candidate);
  if (have.os !== want.os || have.architecture !== want.architecture) return -1;
  return compatibleVariants(want).indexOf(have.variant);
}

/**
 * Picks the best instance of an index for `wanted`: an exact match first, then the closest
 * compatible variant. No match is an error naming the wanted platform and listing what is offered.
 */
export function chooseInstance(manifests: readonly Descriptor[], wanted: WantedPlatform, where: string): Descriptor {
  const want = normalizePlatform(wanted);
  let best: { d: Descriptor; r: number } | undefined;
  for (const d of manifests) {
    if (d.platform === undefined) continue;
    const r = rank(want, d.platform);
    if (r >= 0 && (best === undefined || r < best.r)) best = { d, r };
  }
  if (best !== undefined) return best.d;
  const offered = manifests.filter((d) => d.platform !== undefined && d.platform.os !== 'unknown').map((d) => formatPlatform(d.platform!));
  throw new HoistError('NO_MATCHING_PLATFORM', `${where}: no image found in image index for architecture "${formatPlatform(want)}"`, {
    hint: offered.length > 0 ? `the index offers: ${[...new Set(offered)].join(', ')}; choose one with --platform` : 'the index lists no platforms',
  });
}
