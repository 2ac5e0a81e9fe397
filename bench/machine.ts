import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { isAbsent, type Absent, type Podman } from './tools.js';

/** The machine and tool versions a result belongs to. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  registry: string;
  skopeo: string;
  podman: string;
  umoci: string;
  /** 1-minute load average when the run started and ended: other work on the machine adds noise. */
  load: { start: number; end?: number };
}

export function describeMachine(skopeo: string | Absent, podman: Podman | Absent, umoci: string | Absent): Machine {
  const registry = spawnSync('docker-registry', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    registry: registry || 'unknown',
    skopeo: isAbsent(skopeo) ? `skopeo absent (${skopeo.absent})` : skopeo,
    podman: isAbsent(podman) ? `podman absent (${podman.absent})` : `${podman.version}, ${podman.driver} storage`,
    umoci: isAbsent(umoci) ? `umoci absent (${umoci.absent})` : umoci,
    load: { start: loadavg()[0]! },
  };
}

export function currentLoad(): number {
  return loadavg()[0]!;
}
