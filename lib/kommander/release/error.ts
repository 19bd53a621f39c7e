/**
 * A release tree that cannot be read, or a lookup it cannot answer. The message names what
 * was found and what is expected or available; `available` lists the alternatives (apps,
 * versions, layouts) when there are any.
 */
export class ReleaseError extends Error {
  public readonly available: readonly string[];

  constructor(message: string, available: readonly string[] = []) {
    super(message);
    this.name = 'ReleaseError';
    this.available = available;
  }
}
