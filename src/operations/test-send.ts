/** The Test button: a sample event signed and sent to one endpoint now (src/delivery/test-send.ts does the sending). */
import type { Attempt } from "../domain/model.ts";
import type { DeliveryRecord } from "./deliveries.ts";
import type { OperationDeps } from "./deps.ts";
import type { EndpointOperations } from "./endpoints.ts";
import type { Principal } from "./principal.ts";

export type TestSendOperations = ReturnType<typeof testSendOperations>;

export function testSendOperations(deps: OperationDeps, endpoints: EndpointOperations) {
  return {
    /** Sends a sample of `eventType` (or the endpoint's first catalog type) and answers the attempt it made. */
    async send(principal: Principal, endpointId: string, eventType?: string): Promise<{ delivery: DeliveryRecord; attempt: Attempt }> {
      const endpoint = await endpoints.get(principal, endpointId);
      return deps.testSend(endpoint, eventType);
    },
  };
}
