/** Podman's exit status for errors of the tool itself. */
export const EXIT_ERROR = 125;

/** Podman's exit status of `rmi` and `image exists` when an image is not known (and nothing else failed). */
export const EXIT_NOT_KNOWN = 1;
