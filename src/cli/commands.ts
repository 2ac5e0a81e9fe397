import type { CommandSpec } from './command-spec.js';
import { completionCommand } from './completion.js';
import { eventsCommand } from './events.js';
import { exportCommand } from './export.js';
import { imageExistsCommand } from './image-exists.js';
import { imagePruneCommand } from './image-prune.js';
import { imagesCommand } from './images.js';
import { inspectCommand } from './inspect.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { pullCommand } from './pull.js';
import { resolveCommand } from './resolve.js';
import { rmiCommand } from './rmi.js';
import { tagCommand } from './tag.js';
import { trustCommand } from './trust.js';
import { unpackCommand } from './unpack.js';
import { verifyCommand } from './verify.js';

// Podman's `image` group names the same commands (`image ls` is `images`); `image exists` and
// `image prune` have no short form, in Podman either.
export const commands = [
  { ...pullCommand, aliases: ['image pull'] },
  { ...imagesCommand, aliases: ['image ls', 'image list'] },
  { ...inspectCommand, aliases: ['image inspect'] },
  { ...rmiCommand, aliases: ['image rm'] },
  { ...tagCommand, aliases: ['image tag'] },
  unpackCommand,
  exportCommand,
  imageExistsCommand,
  imagePruneCommand,
  resolveCommand,
  eventsCommand,
  trustCommand,
  verifyCommand,
  loginCommand,
  logoutCommand,
  completionCommand,
] as unknown as CommandSpec[];
