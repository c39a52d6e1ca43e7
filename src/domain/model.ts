/**
 * The shared records: what an endpoint, event, delivery and attempt are, and
 * the shapes of the stats reports. Every layer may import this module; it
 * imports nothing. Times are integer epoch milliseconds.
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

export interface EndpointSecret {
  secret: string;
  createdAt: number;
  /** null for the current secret; when a rotated-out one stops signing. */
  expiresAt: number | null;
}

export interface StoredEvent {
  id: string;
  tenant: string;
  type: string;
  /** The exact JSON body that is signed and sent. */
  payload: string;
  occurredAt: number;
  callbackUrl: string | null;
  isTest: boolean;
  createdAt: number;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed";

/** Who holds a delivery while its attempt runs, and until when; anyone may take it after `until`. */
export interface Lease {
  /** The node id of the process holding it. */
  owner: string;
  until: number;
  /** When it was taken: the start of the attempt it covers. */
  at: number;
}

export interface Delivery {
  id: string;
  eventId: string;
  tenant: string;
  eventType: string;
  endpointId: string | null;
  url: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number | null;
  lease: Lease | null;
  lastError: string | null;
  /** attempt_count when the retry schedule last started (0, or at a manual retry or recover). */
  scheduleStart: number;
  isTest: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface Attempt {
  id: string;
  deliveryId: string;
  endpointId: string | null;
  n: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string> | null;
  responseBody: Uint8Array | null;
  responseTruncated: boolean;
  /** The decision taken: when the next attempt is due, or null when this one was final. */
  nextAttemptAt: number | null;
  isTest: boolean;
}

// ---------------------------------------------------------------------------
// Read-side aggregates for GET /v1/stats, the console's dashboard and the
// Prometheus gauges. Test sends are left out of every figure.

/** The windows stats are offered for; the series bucket is 1 min, 15 min and 2 h. */
export type StatsWindow = "1h" | "24h" | "7d";

/** Milliseconds; null when nothing was measured. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One bucket of the series, oldest first; every bucket of the window is present. */
export interface StatsSeriesPoint {
  /** Bucket start, epoch ms. */
  start: number;
  attempts: number;
  failures: number;
  p95LatencyMs: number | null;
}

/** The figures for one endpoint or for the totals. */
export interface StatsFigures {
  /** Deliveries created in the window, by their status now. */
  deliveries: { pending: number; succeeded: number; failed: number };
  /** Attempts started in the window. */
  attempts: number;
  failedAttempts: number;
  /** Successful attempts ÷ attempts in the window, 0..1; null with no attempts. */
  successRate: number | null;
  attemptLatencyMs: Percentiles;
  /** Event accepted → 2xx received, for deliveries that succeeded in the window. */
  timeToDeliveryMs: Percentiles;
  /** Failed attempts by error class (timeout, http_status, ...). */
  failuresByError: Record<string, number>;
  series: StatsSeriesPoint[];
}

export interface EndpointStats extends StatsFigures {
  /** null for one-off callback_url deliveries. */
  endpointId: string | null;
}

export interface StatsReport {
  window: StatsWindow;
  from: number;
  to: number;
  bucketMs: number;
  totals: StatsFigures;
  /** One row per endpoint with any delivery or attempt in the window. */
  endpoints: EndpointStats[];
}

/** The state of things now, for gauges and the dashboard. */
export interface BacklogSnapshot {
  /** Pending deliveries (leased or not), test sends excluded. */
  pending: number;
  /** created_at of the oldest pending delivery; null when none. */
  oldestPendingCreatedAt: number | null;
  endpointsByState: { enabled: number; disabled: number };
  /** Endpoints failing now (failing_since set), failing longest first, at most 50. */
  failing: Array<Pick<Endpoint, "id" | "tenant" | "url" | "state" | "disabledReason" | "failingSince" | "consecutiveFailures" | "lastSuccessAt">>;
}
