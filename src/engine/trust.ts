import { signatureStorageFor, type SignatureStorage } from '../config/registries-d/index.js';
import type { RawManifest } from '../source/image-source.js';
import type { ImageSource, LocalName, LocalTransport } from '../transports/index.js';
import { formatReference, type ImageReference } from '../reference/index.js';
import type { Signature } from '../manifest/index.js';
import { evaluatePolicy, requirementsFor, type ImageUnderPolicy, type PolicyIdentity } from '../trust/index.js';
import { localIdentity } from './local-identity.js';
import { once, type PullConfig } from './pull-context.js';

/** What copyImage asks before it reads a layer: may this manifest be used, and with which signatures. */
export type Authorizer = (manifest: RawManifest) => Promise<Signature[]>;

/**
 * The policy check of a registry image. The identity is the logical reference (after short-name
 * resolution), never the mirror it comes from; where its signatures live is decided for the
 * endpoint that serves it (`storage`), as containers/image does.
 */
export function registryAuthorizer(ctx: PullConfig, logical: ImageReference, source: ImageSource, storage: () => Promise<SignatureStorage>): Authorizer {
  const identity: PolicyIdentity = { transport: 'docker', reference: logical };
  return async (manifest) => {
    const policy = await ctx.trustPolicy();
    let missingSignaturesHint: string | undefined;
    const { requirements } = requirementsFor(policy, identity);
    if (requirements.some((r) => r.type === 'sigstoreSigned')) {
      const found = await storage();
      if (!found.useSigstoreAttachments) {
        missingSignaturesHint = `the policy wants sigstore signatures, but use-sigstore-attachments is not true in registries.d for the registry serving ${formatReference(logical)} (${found.from.useSigstoreAttachments}), so none were read`;
        ctx.emit({ type: 'warning', code: 'SIGNATURES_NOT_READ', message: missingSignaturesHint });
      }
    }
    return check(ctx, {
      identity,
      name: `docker://${formatReference(logical)}`,
      manifest,
      source,
      ...(missingSignaturesHint !== undefined ? { missingSignaturesHint } : {}),
    });
  };
}

/** Where a registry endpoint's signatures live: registries.d, read only once a policy needs signatures. */
export function signatureStorageLoader(ctx: PullConfig, endpoint: ImageReference): () => Promise<SignatureStorage> {
  return once(async () => signatureStorageFor(await ctx.registriesD(), endpoint, { env: ctx.env }));
}

/** The policy check of a local source: scopes match the resolved path of the file or directory. */
export function localAuthorizer(ctx: PullConfig, transport: LocalTransport, parsed: LocalName, source: ImageSource): Authorizer {
  return async (manifest) => {
    const identity = await localIdentity(transport, parsed);
    return check(ctx, { identity, name: source.description, manifest, source });
  };
}

async function check(ctx: PullConfig, image: Omit<ImageUnderPolicy, 'signatures'> & { source: ImageSource; manifest: RawManifest }): Promise<Signature[]> {
  const policy = await ctx.trustPolicy();
  const { source, ...rest } = image;
  const signal = ctx.options.signal;
  const verdict = await evaluatePolicy(policy, {
    ...rest,
    signatures: async () => (source.getSignatures === undefined ? [] : source.getSignatures(image.manifest.digest, signal === undefined ? {} : { signal })),
  });
  return verdict.accepted;
}
