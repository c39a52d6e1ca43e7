/**
 * The web faces' stylesheet, script and icon, imported as text so they ship inside
 * the compiled executable: no CDN, no files beside it, works offline.
 */
import { createHash } from "node:crypto";
import { Hono } from "hono";
import css from "./assets/console.css" with { type: "text" };
import js from "./assets/console.js" with { type: "text" };
import favicon from "./assets/favicon.svg" with { type: "text" };

interface Asset {
  body: string;
  type: string;
  etag: string;
}

function asset(body: string, type: string): Asset {
  return { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` };
}

const ASSETS: Record<string, Asset> = {
  "console.css": asset(css, "text/css; charset=utf-8"),
  "console.js": asset(js, "text/javascript; charset=utf-8"),
  "favicon.svg": asset(favicon, "image/svg+xml"),
};

/** GET /assets/:name, revalidated by ETag so a new build is picked up at once. */
export function assetFiles() {
  const app = new Hono();
  app.get("/:name", (c) => {
    const found = ASSETS[c.req.param("name")];
    if (!found) return c.text("not found", 404);
    c.header("Cache-Control", "no-cache");
    c.header("ETag", found.etag);
    if (c.req.header("if-none-match") === found.etag) return c.body(null, 304);
    c.header("Content-Type", found.type);
    return c.body(found.body);
  });
  return app;
}
