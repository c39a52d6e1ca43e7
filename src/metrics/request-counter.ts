/** What the HTTP faces tell the metrics about each answered request (narrow, like observer.ts). */
export interface RequestCounter {
  /** `route` is the matched pattern, or "unmatched". */
  httpRequest(route: string, method: string, status: number): void;
}
