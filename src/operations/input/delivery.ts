/** The delivery states a filter may name, for the API's lists and the console's delivery log alike. */
import { z } from "zod";

export const deliveryStatusSchema = z.enum(["pending", "succeeded", "failed"], {
  error: 'expected "pending", "succeeded" or "failed"',
});
