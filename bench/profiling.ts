import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedImages } from './generate/images.js';
import { measure } from './measure.js';
import { renderProfile, summarizeProfileDir } from './profile.js';
import { seconds } from './format.js';
import { hoistEnv } from './tools.js';

/**
 * `--profile`: runs hoist's main paths once each under `node --cpu-prof` and prints where self time
 * went. The .cpuprofile files stay in bench/.cache/profiles/ for Chrome DevTools or speedscope.
 */
export async function profileHoist(
  cli: string,
  images: GeneratedImages,
  registryHost: string,
  workDir: string,
  profilesDir: string,
  log: (line: string) => void,
): Promise<string> {
  const name = `${registryHost}/${images.large.repository}:${images.large.tag}`;
  const store = join(workDir, 'profile-store');
  // The shared store fills on the first case, so the next ones find the image present.
  const cases: { title: string; store: string; args: string[] }[] = [
    { title: 'cold registry pull', store, args: ['--tls-verify=false', name] },
    { title: '`--policy always`, unchanged', store, args: ['--tls-verify=false', '--policy', 'always', name] },
    { title: '`--policy missing`, present', store, args: ['--tls-verify=false', '--policy', 'missing', name] },
    { title: 'cold docker-archive pull', store: join(workDir, 'profile-archive-store'), args: [`docker-archive:${images.archive.path}`] },
  ];
  await rm(profilesDir, { recursive: true, force: true });
  let out = '';
  for (const [i, c] of cases.entries()) {
    const dir = join(profilesDir, `${i + 1}-${c.title.replace(/[^a-z]+/gi, '-').replace(/^-|-$/g, '')}`);
    await mkdir(dir, { recursive: true });
    log(`profile: ${c.title}`);
    const sample = await measure([process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, cli, '--root', c.store, 'pull', ...c.args], hoistEnv());
    if (sample.exitCode !== 0) throw new Error(`profiling "${c.title}" failed: ${sample.stderr.trim()}`);
    const summary = await summarizeProfileDir(dir);
    const rss = sample.maxRssKiB === undefined ? '' : `, peak RSS ${(sample.maxRssKiB / 1024).toFixed(0)} MiB`;
    out += `${renderProfile(`${c.title} (wall ${seconds(sample.wallMs)}${rss}; profile in ${dir})`, summary)}\n`;
  }
  return out;
}
