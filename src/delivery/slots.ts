/**
 * The dispatcher's slot accounting: attempts in flight in all, and per
 * endpoint (the map the claim reads as its capacity's `inFlight`).
 */
export class Slots {
  private total = 0;
  private readonly byEndpoint = new Map<string, number>();

  /** Attempts in flight now. */
  get inFlight(): number {
    return this.total;
  }

  /** In flight by endpoint id; an endpoint with none is absent. */
  get perEndpoint(): ReadonlyMap<string, number> {
    return this.byEndpoint;
  }

  /** Takes a slot for an attempt (a callback_url delivery has no endpoint); the answer gives it back, once. */
  take(endpointId: string | null): () => void {
    this.total++;
    if (endpointId !== null) this.byEndpoint.set(endpointId, (this.byEndpoint.get(endpointId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      if (endpointId === null) return;
      const left = (this.byEndpoint.get(endpointId) ?? 1) - 1;
      if (left === 0) this.byEndpoint.delete(endpointId);
      else this.byEndpoint.set(endpointId, left);
    };
  }
}
