/**
 * The admin operations behind more than one front end: the JSON API and the
 * web console call these same functions, so both refuse and do exactly the
 * same. Input arrives validated; refusals are ApiErrors.
 */
import { generateSecret } from "../domain/secret.ts";
import type { Delivery, Endpoint, EndpointSecret } from "../store/types.ts";
import type { HttpDeps } from "./deps.ts";
import { conflict, notFound } from "./errors.ts";
import type { EndpointCreate } from "./schemas/endpoint.ts";

type Deps = Pick<HttpDeps, "store" | "clock" | "ids" | "randomBytes" | "wake">;

/** How long a rotated-out secret keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
/** How many rotated-out secrets are kept at most. */
export const MAX_PREVIOUS_SECRETS = 10;

/** Creates an endpoint; returns it with its secret (given, or generated). */
export async function createEndpoint(deps: Deps, input: EndpointCreate): Promise<{ endpoint: Endpoint; secret: string }> {
  const secret = input.secret ?? generateSecret(deps.randomBytes);
  const endpoint = await deps.store.endpoints.create(
    {
      id: deps.ids("ep"),
      tenant: input.tenant,
      url: input.url,
      description: input.description,
      eventTypes: input.event_types,
      headers: input.headers,
      metadata: input.metadata,
      secret,
    },
    deps.clock.now(),
  );
  return { endpoint, secret };
}

/** Makes a new current secret; the old one keeps signing for ROTATION_OVERLAP_MS. */
export async function rotateEndpointSecret(deps: Deps, id: string, given?: string): Promise<EndpointSecret[]> {
  const secret = given ?? generateSecret(deps.randomBytes);
  const secrets = await deps.store.endpoints.rotateSecret(id, secret, deps.clock.now(), ROTATION_OVERLAP_MS, MAX_PREVIOUS_SECRETS);
  if (!secrets) throw notFound(`endpoint ${id}`);
  return secrets;
}

/** Queues a finished delivery again at once; refused while it has nowhere to go. */
export async function retryDelivery(deps: Deps, id: string): Promise<Delivery> {
  const delivery = await deps.store.deliveries.get(id);
  if (!delivery) throw notFound(`delivery ${id}`);
  if (delivery.endpointId !== null) {
    const endpoint = await deps.store.endpoints.get(delivery.endpointId);
    if (!endpoint) throw conflict(`endpoint ${delivery.endpointId} was deleted; nothing to send this delivery to`);
    if (endpoint.state === "disabled") throw conflict(`endpoint ${endpoint.id} is disabled; enable it first`);
  }
  const outcome = await deps.store.deliveries.retry(id, deps.clock.now());
  if (outcome === "not_found") throw notFound(`delivery ${id}`);
  if (outcome === "pending") throw conflict(`delivery ${id} is already pending`);
  deps.wake();
  return (await deps.store.deliveries.get(id))!;
}

/** Queues again every failed delivery of the endpoint created since `since`; returns how many. */
export async function recoverEndpoint(deps: Deps, endpoint: Endpoint, since: number): Promise<number> {
  if (endpoint.state === "disabled") throw conflict(`endpoint ${endpoint.id} is disabled; enable it first, then recover`);
  const queued = await deps.store.deliveries.recover(endpoint.id, since, deps.clock.now());
  if (queued > 0) deps.wake();
  return queued;
}

/** Deletes an endpoint; its pending deliveries end failed (endpoint_deleted) and are counted in the metrics. */
export async function deleteEndpoint(deps: Pick<HttpDeps, "store" | "clock" | "metrics">, id: string): Promise<{ failedDeliveries: number }> {
  const removed = await deps.store.endpoints.remove(id, deps.clock.now());
  if (!removed) throw notFound(`endpoint ${id}`);
  deps.metrics.endpointDeleted(id, removed.failedDeliveries);
  return removed;
}
