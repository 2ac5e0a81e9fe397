/**
 * Why one signature, or one requirement, does not accept an image, in containers/image's words
 * (`Signature for identity "…" is not accepted`, `Signature expired on …`). The evaluator gathers
 * them into the pull's `Source image rejected: …` error; nothing else catches them.
 */
export class SignatureRejection extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignatureRejection';
  }
}
