/** The query of GET /v1/stats. */
import { z } from "zod";
import { tenantSchema } from "../../operations/input/endpoint.ts";
import { statsWindowSchema } from "../../operations/input/stats.ts";

/** window (default 24h), and optionally one tenant or one endpoint. */
export const statsQuerySchema = z.strictObject({
  window: statsWindowSchema.default("24h"),
  tenant: tenantSchema.optional(),
  endpoint_id: z.string().max(64).optional(),
});
