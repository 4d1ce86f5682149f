/**
 * What a run has acquired, in the order it acquired it, so that everything
 * is released in reverse: the dashboard before the filters it shows, the
 * filters before the metrics server that was listening first.
 */
export interface Releasable {
  /** Safe to call twice. */
  close(): void;
}

export class Releases {
  private readonly held: Releasable[] = [];

  /** Remember a resource just acquired; returns it, so acquiring and holding read as one step. */
  hold<T extends Releasable>(resource: T): T {
    this.held.push(resource);
    return resource;
  }

  /**
   * Release everything, last acquired first. Every close() runs even when
   * one throws; the first error is returned, not thrown, so the caller
   * decides what it means.
   */
  releaseAll(): unknown {
    let failure: unknown;
    for (const resource of this.held.splice(0).reverse()) {
      try {
        resource.close();
      } catch (err) {
        failure ??= err;
      }
    }
    return failure;
  }
}
