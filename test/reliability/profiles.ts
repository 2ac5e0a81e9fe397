/**
 * How many trials each category runs. `short` is what `npm test` runs (CI; a few minutes on a
 * 2-core machine); `full` is `npm run test:reliability`, whose figures the README reports.
 */
export interface Profile {
  name: 'short' | 'full';
  trials: Record<string, number>;
  /** Whether fault scenarios that must wait out hoist's 60 s idle timeout (stalls) run. */
  slowFaults: boolean;
}

export const profiles: Record<Profile['name'], Profile> = {
  short: {
    name: 'short',
    slowFaults: false,
    trials: {
      'kill-9': 5,
      concurrency: 3,
      faults: 13,
      'hostile-registry': 28,
      'fuzz: names': 300,
      'fuzz: configs': 300,
      'fuzz: archives': 150,
      'fuzz: layouts': 150,
      'fuzz: through the CLI': 24,
      'special files': 12,
      'disk full': 3,
    },
  },
  full: {
    name: 'full',
    slowFaults: true,
    trials: {
      'kill-9': 50,
      concurrency: 18,
      faults: 45,
      'hostile-registry': 56,
      'fuzz: names': 5000,
      'fuzz: configs': 5000,
      'fuzz: archives': 2000,
      'fuzz: layouts': 2000,
      'fuzz: through the CLI': 300,
      'special files': 12,
      'disk full': 12,
    },
  },
};

export function profileNamed(name: string): Profile {
  const profile = profiles[name as Profile['name']];
  if (profile === undefined) throw new Error(`unknown profile ${name} (short or full)`);
  return profile;
}
