/** The query of GET /v1/stats. */
import { z } from "zod";
import { tenantSchema } from "./endpoint.ts";

export const statsWindowSchema = z.enum(["1h", "24h", "7d"], { error: 'expected "1h", "24h" or "7d"' });

/** window (default 24h), and optionally one tenant or one endpoint. */
export const statsQuerySchema = z.strictObject({
  window: statsWindowSchema.default("24h"),
  tenant: tenantSchema.optional(),
  endpoint_id: z.string().max(64).optional(),
});
