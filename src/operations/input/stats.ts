/** The stats windows, for GET /v1/stats and the console's dashboard alike. */
import { z } from "zod";

export const statsWindowSchema = z.enum(["1h", "24h", "7d"], { error: 'expected "1h", "24h" or "7d"' });
