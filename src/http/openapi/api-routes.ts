/**
 * Every route of the API as the OpenAPI document shows it: one entry per
 * route, holding the schemas that route validates with. A route added to
 * the app without an entry here fails test/http/openapi-document.test.ts.
 */
import type { z } from "zod";
import { VERSION } from "../../version.ts";
import type { EndpointSchemas } from "../../operations/input/endpoint.ts";
import { deliveryListQuery, endpointDeliveriesQuery, endpointListQuery } from "../schemas/list-queries.ts";
import { idempotencyKeySchema, type EventSchemas } from "../schemas/event.ts";
import * as res from "../schemas/responses.ts";
import { statsQuerySchema } from "../schemas/stats.ts";
import { emptyBodySchema } from "../validate.ts";
import { buildDocument, type RouteDoc } from "./build-document.ts";

/** The config-built request schemas the app's routes use. */
export interface ApiSchemas {
  endpoint: EndpointSchemas;
  event: EventSchemas;
  /** An event type the catalog accepts and its example data, for the request examples; absent: a generic one. */
  sample?: { type: string; data: Record<string, unknown> } | undefined;
}

const EXAMPLE_URL = "https://example.com/webhooks/hookgate";

const endpointId = { id: "endpoint id (ep_…)" };
const deliveryId = { id: "delivery id (dlv_…)" };
const noBody = { schema: emptyBodySchema, required: false } as const;

/** The routes: probes, endpoints, events, deliveries, stats. */
export function apiRoutes(s: ApiSchemas): RouteDoc[] {
  const sample = s.sample ?? { type: "message.delivered", data: { message_id: "msg_123", to: "+15550100" } };
  const event = { type: sample.type, tenant: "acme", data: sample.data };
  return [
    {
      method: "get", path: "/healthz", operationId: "getHealth", tag: "probes", auth: false,
      summary: "The process is alive",
      responses: { 200: { description: "alive", schema: res.healthResponse } },
    },
    {
      method: "get", path: "/readyz", operationId: "getReadiness", tag: "probes", auth: false,
      summary: "The database takes a commit and the delivery loop runs",
      responses: { 200: { description: "ready", schema: res.readyResponse } },
      errors: [503],
    },
    {
      method: "get", path: "/metrics", operationId: "getMetrics", tag: "probes", auth: false,
      summary: "Prometheus metrics",
      description: "Open like /healthz unless server.metrics_token is set; then it takes that bearer token (not the admin token).",
      security: [{}, { metricsToken: [] }],
      errors: [401],
      responses: { 200: { description: "Prometheus text exposition format", content: { type: "text/plain; version=0.0.4", schema: { type: "string" } } } },
    },
    {
      method: "get", path: "/openapi.json", operationId: "getOpenApi", tag: "probes", auth: false,
      summary: "This document", description: "Unauthenticated: it is documentation and holds no data.",
      responses: { 200: { description: "OpenAPI 3.1 document", content: { type: "application/json", schema: { type: "object" } } } },
    },

    {
      method: "post", path: "/v1/endpoints", operationId: "createEndpoint", tag: "endpoints", auth: true,
      summary: "Create an endpoint; the answer holds its secret",
      body: {
        schema: s.endpoint.create,
        required: true,
        example: { url: EXAMPLE_URL, tenant: "acme", event_types: [sample.type], description: "Acme's receiver", metadata: { plan: "pro" } },
      },
      responses: { 201: { description: "created", schema: res.createdEndpointResponse } },
    },
    {
      method: "get", path: "/v1/endpoints", operationId: "listEndpoints", tag: "endpoints", auth: true,
      summary: "List endpoints, newest first",
      query: endpointListQuery,
      responses: { 200: { description: "a page", schema: res.endpointListResponse } },
    },
    {
      method: "get", path: "/v1/endpoints/{id}", operationId: "getEndpoint", tag: "endpoints", auth: true,
      summary: "One endpoint (no secret)",
      params: endpointId,
      responses: { 200: { description: "the endpoint", schema: res.endpointResponse } },
    },
    {
      method: "patch", path: "/v1/endpoints/{id}", operationId: "updateEndpoint", tag: "endpoints", auth: true,
      summary: "Change url, description, event_types, headers or metadata",
      params: endpointId,
      body: { schema: s.endpoint.patch, required: true, example: { description: "Acme's new receiver", event_types: ["*"] } },
      responses: { 200: { description: "the endpoint", schema: res.endpointResponse } },
    },
    {
      method: "delete", path: "/v1/endpoints/{id}", operationId: "deleteEndpoint", tag: "endpoints", auth: true,
      summary: "Remove; its pending deliveries end failed (endpoint_deleted)",
      params: endpointId,
      body: noBody,
      responses: { 204: { description: "deleted" } },
    },
    {
      method: "post", path: "/v1/endpoints/{id}/disable", operationId: "disableEndpoint", tag: "endpoints", auth: true,
      summary: "Disable by hand",
      params: endpointId,
      body: noBody,
      responses: { 200: { description: "the endpoint", schema: res.endpointResponse } },
    },
    {
      method: "post", path: "/v1/endpoints/{id}/enable", operationId: "enableEndpoint", tag: "endpoints", auth: true,
      summary: "Enable; clears the failure streak",
      params: endpointId,
      body: noBody,
      responses: { 200: { description: "the endpoint", schema: res.endpointResponse } },
    },
    {
      method: "get", path: "/v1/endpoints/{id}/secret", operationId: "getEndpointSecret", tag: "endpoints", auth: true,
      summary: "The current secret and the rotated-out ones still signing",
      params: endpointId,
      responses: { 200: { description: "secrets", schema: res.endpointSecretsResponse } },
    },
    {
      method: "post", path: "/v1/endpoints/{id}/rotate-secret", operationId: "rotateEndpointSecret", tag: "endpoints", auth: true,
      summary: "New secret; the old one signs beside it for 24 h",
      params: endpointId,
      body: { schema: s.endpoint.rotate, required: false, example: {} },
      responses: { 200: { description: "secrets", schema: res.endpointSecretsResponse } },
    },
    {
      method: "post", path: "/v1/endpoints/{id}/test", operationId: "testEndpoint", tag: "endpoints", auth: true,
      summary: "Sign and send a sample event now; answers the attempt",
      params: endpointId,
      body: { schema: s.endpoint.test, required: false, example: { event_type: sample.type } },
      responses: { 200: { description: "the attempt", schema: res.testSendResponse } },
      errors: [503],
    },
    {
      method: "post", path: "/v1/endpoints/{id}/recover", operationId: "recoverEndpoint", tag: "endpoints", auth: true,
      summary: "Queue again every failed delivery created since a time",
      params: endpointId,
      body: { schema: s.endpoint.recover, required: true, example: { since: "2026-01-15T10:30:00Z" } },
      responses: { 202: { description: "queued", schema: res.queuedResponse } },
      errors: [409],
    },
    {
      method: "get", path: "/v1/endpoints/{id}/deliveries", operationId: "listEndpointDeliveries", tag: "endpoints", auth: true,
      summary: "The endpoint's delivery log",
      params: endpointId,
      query: endpointDeliveriesQuery,
      responses: { 200: { description: "a page", schema: res.deliveryListResponse } },
    },

    {
      method: "get", path: "/v1/event-types", operationId: "listEventTypes", tag: "events", auth: true,
      summary: "The configured event catalog",
      responses: { 200: { description: "the catalog (one page)", schema: res.eventTypeListResponse } },
    },
    {
      method: "post", path: "/v1/events", operationId: "sendEvent", tag: "events", auth: true,
      summary: "Accept an event; 202 once it and its deliveries are on disk",
      headers: [{ name: "Idempotency-Key", schema: idempotencyKeySchema, description: "per tenant: a repeat answers the first result (with Idempotent-Replayed: true); another body with the same key is 409" }],
      body: { schema: s.event.event, required: true, example: event },
      responses: { 202: { description: "accepted and durable", schema: res.eventAcceptedResponse } },
      errors: [409, 503],
    },
    {
      method: "post", path: "/v1/events/batch", operationId: "sendEvents", tag: "events", auth: true,
      summary: "Accept up to 1000 events; one result per event, in order",
      body: { schema: s.event.batch, required: true, example: { events: [event, { ...event, tenant: "globex" }] } },
      responses: { 202: { description: "accepted and durable", schema: res.batchAcceptedResponse } },
      errors: [503],
    },
    {
      method: "get", path: "/v1/events/{id}", operationId: "getEvent", tag: "events", auth: true,
      summary: "An event with its deliveries",
      params: { id: "event id (evt_…)" },
      responses: { 200: { description: "the event", schema: res.eventResponse } },
    },

    {
      method: "get", path: "/v1/deliveries", operationId: "listDeliveries", tag: "deliveries", auth: true,
      summary: "The delivery log, newest first",
      query: deliveryListQuery,
      responses: { 200: { description: "a page", schema: res.deliveryListResponse } },
    },
    {
      method: "get", path: "/v1/deliveries/{id}", operationId: "getDelivery", tag: "deliveries", auth: true,
      summary: "One delivery with every attempt",
      params: deliveryId,
      responses: { 200: { description: "the delivery", schema: res.deliveryWithAttemptsResponse } },
    },
    {
      method: "post", path: "/v1/deliveries/{id}/retry", operationId: "retryDelivery", tag: "deliveries", auth: true,
      summary: "Queue a finished delivery again, at once",
      params: deliveryId,
      body: noBody,
      responses: { 202: { description: "queued", schema: res.deliveryResponse } },
      errors: [409],
    },

    {
      method: "get", path: "/v1/stats", operationId: "getStats", tag: "stats", auth: true,
      summary: "Totals and one row per endpoint over a window",
      query: statsQuerySchema,
      responses: { 200: { description: "the report", schema: res.statsReportResponse } },
      errors: [404],
    },
  ];
}

/** The named schemas of the document, referenced by the routes. */
export function apiComponents(s: ApiSchemas): Record<string, z.ZodType> {
  return {
    EndpointCreate: s.endpoint.create,
    EndpointPatch: s.endpoint.patch,
    SecretRotation: s.endpoint.rotate,
    TestSend: s.endpoint.test,
    Recover: s.endpoint.recover,
    EventInput: s.event.event,
    EventBatch: s.event.batch,
    EmptyBody: emptyBodySchema,
    Endpoint: res.endpointResponse,
    EndpointCreated: res.createdEndpointResponse,
    EndpointList: res.endpointListResponse,
    EndpointSecrets: res.endpointSecretsResponse,
    Attempt: res.attemptResponse,
    TestSendResult: res.testSendResponse,
    Delivery: res.deliveryResponse,
    DeliveryWithAttempts: res.deliveryWithAttemptsResponse,
    DeliveryList: res.deliveryListResponse,
    Event: res.eventResponse,
    EventAccepted: res.eventAcceptedResponse,
    BatchAccepted: res.batchAcceptedResponse,
    Queued: res.queuedResponse,
    EventType: res.eventTypeResponse,
    EventTypeList: res.eventTypeListResponse,
    Health: res.healthResponse,
    Ready: res.readyResponse,
    Stats: res.statsReportResponse,
  };
}

/** The OpenAPI 3.1 document of this app's API. */
export function openApiDocument(s: ApiSchemas) {
  return buildDocument(
    {
      title: "hookgate",
      version: VERSION,
      description: "Self-hosted webhook gateway: durable outbox, signed push, retries. Every /v1 route needs the admin bearer token.",
    },
    apiRoutes(s),
    apiComponents(s),
    res.errorResponse,
  );
}
