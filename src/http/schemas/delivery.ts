/** Query schemas for the delivery log (GET /v1/deliveries and an endpoint's deliveries). */
import { z } from "zod";
import { pageQuery } from "../pagination.ts";
import { tenantSchema } from "./endpoint.ts";

export const deliveryStatusSchema = z.enum(["pending", "succeeded", "failed"], {
  error: 'expected "pending", "succeeded" or "failed"',
});

/** `GET /v1/deliveries?status=&endpoint_id=&tenant=&event_type=` plus paging. */
export const deliveryListQuery = z.strictObject({
  ...pageQuery("dlv"),
  status: deliveryStatusSchema.optional(),
  endpoint_id: z.string().max(64).optional(),
  tenant: tenantSchema.optional(),
  event_type: z.string().max(256).optional(),
});

/** `GET /v1/endpoints/:id/deliveries?status=` plus paging. */
export const endpointDeliveriesQuery = z.strictObject({ ...pageQuery("dlv"), status: deliveryStatusSchema.optional() });
