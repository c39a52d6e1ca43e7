/**
 * Small helpers for the store contract suite. They speak only the contract
 * (src/store/contract.ts) and the shared records, so every backend in
 * backends.ts is driven the same way. Time is passed explicitly: `now` is a
 * fixed clock reading, on an hour boundary, and tests add to it.
 */
import { afterEach, beforeEach, expect } from "bun:test";
import type { Delivery, Endpoint, StoredEvent } from "../../../src/domain/model.ts";
import type {
  ClaimedDelivery,
  EndpointCapacity,
  EventCommit,
  EventCommitOutcome,
  NewDelivery,
  NewEndpoint,
  Store,
} from "../../../src/store/contract.ts";
import type { Backend, OpenedBackend } from "./backends.ts";

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The fixed clock reading the tests start from: 2026-03-02T12:00:00Z. */
export const now = Date.UTC(2026, 2, 2, 12, 0, 0);
export const LEASE_MS = 30 * SECOND;
export const CALLBACK_URL = "https://callback.example.com/one-off";

// --- ids -----------------------------------------------------------------------

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
let idCounter = 0;

function base32(value: number, width: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** A prefixed id in the ids' shape (10 time + 16 sequence characters); later calls sort after earlier ones. */
export function newId(prefix: "ep" | "evt" | "dlv" | "att"): string {
  idCounter += 1;
  return `${prefix}_${base32(now, 10)}${base32(idCounter, 16)}`;
}

export const newAttemptId = (): string => newId("att");

// --- the store per test ------------------------------------------------------------

export interface StoreUnderTest {
  readonly store: Store;
  readonly opened: OpenedBackend;
}

/** Opens a fresh store of `backend` before each test and cleans it up after. */
export function useStore(backend: Backend): StoreUnderTest {
  let opened: OpenedBackend | null = null;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    const o = opened;
    opened = null;
    await o?.cleanup();
  });
  return {
    get store() {
      if (!opened) throw new Error("no store open outside a test");
      return opened.store;
    },
    get opened() {
      if (!opened) throw new Error("no store open outside a test");
      return opened;
    },
  };
}

// --- endpoints --------------------------------------------------------------------

let secretCounter = 0;

/** A secret in the whsec_ shape, different on every call. */
export function newSecret(): string {
  secretCounter += 1;
  return `whsec_${Buffer.from(`contract-secret-${secretCounter}-padding-bytes`).toString("base64")}`;
}

/** A valid endpoint input with a new id and secret; fields can be overridden. */
export function endpointInput(overrides: Partial<NewEndpoint> = {}): NewEndpoint {
  return {
    id: newId("ep"),
    tenant: "acme",
    url: "https://receiver.example.com/hooks",
    description: "",
    eventTypes: ["*"],
    headers: {},
    metadata: {},
    secret: newSecret(),
    ...overrides,
  };
}

export function createEndpoint(store: Store, overrides: Partial<NewEndpoint> = {}, at = now): Promise<Endpoint> {
  return store.endpoints.create({ endpoint: endpointInput(overrides), now: at });
}

// --- events -----------------------------------------------------------------------

/** One delivery of an event: to an endpoint (null: a callback_url delivery). */
export interface DeliverySpec {
  endpoint: Endpoint | null;
  /** "failed": created failed as for a disabled endpoint, with its endpoint_disabled attempt. */
  status?: "pending" | "failed";
  /** Defaults to the commit time (or the lease's end for a leased one). */
  dueAt?: number;
  /** A test send is created leased by its caller. */
  lease?: { owner: string; until: number } | null;
}

export interface EventSpec {
  /** One delivery per entry; an Endpoint is a pending delivery to it, due at once. */
  to: Array<Endpoint | DeliverySpec>;
  /** Defaults to the first endpoint's tenant. */
  tenant?: string;
  type?: string;
  payload?: string;
  isTest?: boolean;
  callbackUrl?: string | null;
  /** The commit time. */
  at?: number;
  idempotency?: { key: string; requestHash: string; response: string } | null;
}

export interface PlannedCommit {
  item: EventCommit;
  event: Omit<StoredEvent, "createdAt">;
  deliveryIds: string[];
  /** Per delivery: the id of its endpoint_disabled attempt, for one created failed. */
  unsentAttemptIds: Array<string | undefined>;
}

function isEndpoint(x: Endpoint | DeliverySpec): x is Endpoint {
  return "tenant" in x && "url" in x && !("endpoint" in x);
}

/** Builds one EventCommit with new ids, the way ingest would. */
export function planEvent(spec: EventSpec): PlannedCommit {
  const at = spec.at ?? now;
  const specs = spec.to.map((x) => (isEndpoint(x) ? { endpoint: x } : x));
  const tenant = spec.tenant ?? specs.find((s) => s.endpoint)?.endpoint?.tenant ?? "acme";
  const event: Omit<StoredEvent, "createdAt"> = {
    id: newId("evt"),
    tenant,
    type: spec.type ?? "invoice.paid",
    payload: spec.payload ?? `{"n":${idCounter}}`,
    occurredAt: at,
    callbackUrl: spec.callbackUrl ?? null,
    isTest: spec.isTest ?? false,
  };
  const unsentAttemptIds: Array<string | undefined> = [];
  const deliveries: NewDelivery[] = specs.map((s) => {
    const failed = s.status === "failed";
    const unsent = failed ? newAttemptId() : undefined;
    unsentAttemptIds.push(unsent);
    const lease = s.lease ?? null;
    return {
      id: newId("dlv"),
      endpointId: s.endpoint?.id ?? null,
      url: s.endpoint?.url ?? CALLBACK_URL,
      status: failed ? "failed" : "pending",
      lastError: failed ? "endpoint_disabled" : null,
      dueAt: failed ? null : (s.dueAt ?? lease?.until ?? at),
      lease: failed ? null : lease,
      ...(unsent !== undefined && { unsentAttemptId: unsent }),
    };
  });
  return {
    item: { event, deliveries, idempotency: spec.idempotency ?? null },
    event,
    deliveryIds: deliveries.map((d) => d.id),
    unsentAttemptIds,
  };
}

export interface Committed extends PlannedCommit {
  outcome: EventCommitOutcome;
}

/** Commits one event with its deliveries. */
export async function commitEvent(store: Store, spec: EventSpec): Promise<Committed> {
  const planned = planEvent(spec);
  const [outcome] = await store.events.commit({ items: [planned.item], now: spec.at ?? now });
  if (!outcome) throw new Error("commit answered no outcome");
  return { ...planned, outcome };
}

/** Commits an event with one pending delivery to `endpoint` and answers that delivery's id. */
export async function commitOne(store: Store, endpoint: Endpoint | null, p: { at?: number; dueAt?: number; isTest?: boolean } = {}): Promise<string> {
  const c = await commitEvent(store, {
    to: [{ endpoint, ...(p.dueAt !== undefined && { dueAt: p.dueAt }) }],
    ...(p.at !== undefined && { at: p.at }),
    ...(p.isTest !== undefined && { isTest: p.isTest }),
  });
  return c.deliveryIds[0]!;
}

// --- claims -------------------------------------------------------------------------

/** Capacity as data: the same limit for every endpoint, and what is in flight. */
export function capacity(maxPerEndpoint = 100, inFlight: Record<string, number> = {}): EndpointCapacity {
  return { maxPerEndpoint, inFlight: new Map(Object.entries(inFlight)) };
}

export interface ClaimOptions {
  at?: number;
  limit?: number;
  leaseMs?: number;
  owner?: string;
  capacity?: EndpointCapacity;
}

/** claimDue with defaults: at `now`, up to 100, for node-a, room for 100 per endpoint. */
export function claimDue(store: Store, o: ClaimOptions = {}) {
  return store.deliveries.claimDue({
    now: o.at ?? now,
    limit: o.limit ?? 100,
    leaseMs: o.leaseMs ?? LEASE_MS,
    owner: o.owner ?? "node-a",
    capacity: o.capacity ?? capacity(),
    newAttemptId,
  });
}

/** What claimDue leased (leaving out the interrupted attempts it answers too). */
export async function claim(store: Store, o: ClaimOptions = {}): Promise<ClaimedDelivery[]> {
  return (await claimDue(store, o)).claimed;
}

/** Claims exactly one delivery (the earliest due at `at`) and checks it is `id`. */
export async function claimOne(store: Store, id: string, o: ClaimOptions = {}): Promise<Delivery> {
  const claimed = await claim(store, { ...o, limit: 1 });
  expect(claimed.map((c) => c.delivery.id)).toEqual([id]);
  return claimed[0]!.delivery;
}

export function ids(claimed: ClaimedDelivery[] | Delivery[]): string[] {
  return claimed.map((c) => ("delivery" in c ? c.delivery.id : c.id));
}

// --- reads ---------------------------------------------------------------------------

export async function mustGetDelivery(store: Store, id: string): Promise<Delivery> {
  const d = await store.deliveries.get(id);
  if (!d) throw new Error(`delivery ${id} not found`);
  return d;
}

export async function mustGetEndpoint(store: Store, id: string): Promise<Endpoint> {
  const e = await store.endpoints.get(id);
  if (!e) throw new Error(`endpoint ${id} not found`);
  return e;
}
