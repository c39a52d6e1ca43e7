/** Unauthenticated probes: /healthz (the process answers) and /readyz (it can do its work). */
import { Hono } from "hono";
import { VERSION } from "../../version.ts";
import type { HttpDeps, HttpEnv } from "../deps.ts";
import { unavailable, type ErrorDetail } from "../errors.ts";

export function healthRoutes(deps: HttpDeps) {
  const app = new Hono<HttpEnv>();
  app.get("/healthz", (c) => c.json({ status: "ok", version: VERSION }));
  app.get("/readyz", async (c) => {
    const failed: ErrorDetail[] = [];
    for (const { name, check } of deps.readiness) {
      try {
        await check();
      } catch (err) {
        failed.push({ path: name, message: (err as Error).message });
        c.get("log").warn({ check: name, err }, "readiness check failed");
      }
    }
    if (failed.length > 0) {
      throw unavailable(`not ready: ${failed.map((f) => `${f.path}: ${f.message}`).join("; ")}`, failed);
    }
    return c.json({ status: "ready", checks: Object.fromEntries(deps.readiness.map((r) => [r.name, "ok"])) });
  });
  return app;
}
