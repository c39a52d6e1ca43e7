/**
 * Every use case, per resource, as the faces and the wiring hold them:
 * `ops.endpoints.create(principal, input)`. Built once by the wiring.
 */
import { deliveryOperations, type DeliveryOperations } from "./deliveries.ts";
import type { OperationDeps } from "./deps.ts";
import { endpointOperations, type EndpointOperations } from "./endpoints.ts";
import { eventTypeOperations, type EventTypeOperations } from "./event-types.ts";
import { eventOperations, type EventOperations } from "./events.ts";
import { statsOperations, type StatsOperations } from "./stats.ts";
import { testSendOperations, type TestSendOperations } from "./test-send.ts";
import { webSessionOperations, type WebSessionOperations } from "./web-sessions.ts";

export interface Operations {
  endpoints: EndpointOperations;
  deliveries: DeliveryOperations;
  events: EventOperations;
  eventTypes: EventTypeOperations;
  stats: StatsOperations;
  testSend: TestSendOperations;
  webSessions: WebSessionOperations;
}

export function createOperations(deps: OperationDeps): Operations {
  const endpoints = endpointOperations(deps);
  return {
    endpoints,
    deliveries: deliveryOperations(deps, endpoints),
    events: eventOperations(deps),
    eventTypes: eventTypeOperations(deps),
    stats: statsOperations(deps, endpoints),
    testSend: testSendOperations(deps, endpoints),
    webSessions: webSessionOperations(deps),
  };
}
