/**
 * The store's records and its interface. The interface is async although
 * bun:sqlite is synchronous: a PostgreSQL store will implement the same one,
 * so callers must not depend on a call finishing in the same tick.
 */

export type EndpointState = "enabled" | "disabled";
export type DisabledReason = "manual" | "auto_failing" | "gone";

export interface Endpoint {
  id: string;
  tenant: string;
  url: string;
  description: string;
  eventTypes: string[];
  headers: Record<string, string>;
  metadata: Record<string, unknown>;
  state: EndpointState;
  disabledReason: DisabledReason | null;
  failingSince: number | null;
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  createdAt: number;
  updatedAt: number;
}

/** What creating an endpoint needs: its fields plus the first secret. */
export type NewEndpoint = Pick<Endpoint, "id" | "tenant" | "url" | "description" | "eventTypes" | "headers" | "metadata"> & {
  secret: string;
};

export type EndpointPatch = Partial<Pick<Endpoint, "url" | "description" | "eventTypes" | "headers" | "metadata">>;

export interface EndpointSecret {
  secret: string;
  createdAt: number;
  /** null for the current secret; when a rotated-out one stops signing. */
  expiresAt: number | null;
}

/** Newest-first page request: `before` is the last id of the previous page. */
export interface PageQuery {
  limit: number;
  before?: string | undefined;
}

export interface EndpointStore {
  /** Inserts the endpoint and its first secret. */
  create(input: NewEndpoint, now: number): Promise<Endpoint>;
  get(id: string): Promise<Endpoint | null>;
  /** Newest first; `tenant` filters when given. */
  list(query: PageQuery & { tenant?: string | undefined }): Promise<Endpoint[]>;
  /** Applies the given fields; null when the endpoint does not exist. */
  update(id: string, patch: EndpointPatch, now: number): Promise<Endpoint | null>;
  /** Enables (clearing the failure streak) or disables with a reason. */
  setState(id: string, state: { enabled: true } | { enabled: false; reason: DisabledReason }, now: number): Promise<Endpoint | null>;
  /** Removes the endpoint and its secrets; its pending deliveries end failed (endpoint_deleted). */
  remove(id: string, now: number): Promise<boolean>;
  /** The current secret first, then rotated-out ones still signing at `now`. */
  activeSecrets(id: string, now: number): Promise<EndpointSecret[]>;
  /**
   * Makes `secret` current; the previous current one keeps signing until
   * now + overlapMs. At most `keepPrevious` older secrets are kept.
   */
  rotateSecret(id: string, secret: string, now: number, overlapMs: number, keepPrevious: number): Promise<EndpointSecret[] | null>;
}

export interface Store {
  endpoints: EndpointStore;
  /** Proves the database answers and accepts a write; for /readyz. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
