/**
 * The query strings of the API's lists (GET /v1/endpoints, /v1/deliveries
 * and an endpoint's deliveries): the shared paging, tenant and status
 * schemas, put together the way the API takes them.
 */
import { z } from "zod";
import { deliveryStatusSchema } from "../../operations/input/delivery.ts";
import { tenantSchema } from "../../operations/input/endpoint.ts";
import { pageQuery } from "../../operations/paging.ts";

/** `GET /v1/endpoints?tenant=` plus paging. */
export const endpointListQuery = z.strictObject({ ...pageQuery("ep"), tenant: tenantSchema.optional() });

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
