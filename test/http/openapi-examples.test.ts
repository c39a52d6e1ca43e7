/**
 * The OpenAPI document for client generators: every request body carries an
 * example its own schema accepts (with this config's catalog), numeric query
 * parameters are typed integer with their bounds and default, and defaults
 * of request fields are shown.
 */
import { afterEach, expect, test } from "bun:test";
import { endpointSchemas } from "../../src/operations/input/endpoint.ts";
import { apiRoutes } from "../../src/http/openapi/api-routes.ts";
import { eventSchemas } from "../../src/http/schemas/event.ts";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";

let api: TestApi;
afterEach(() => api.close());

const CATALOG = { event_types: [{ name: "sms.received", description: "An inbound SMS", example: { from: "+15550100", text: "STOP" } }] };

test("every request body has an example that the route's own schema accepts", async () => {
  api = await createTestApi(CATALOG);
  const doc: any = await (await api.request("/openapi.json")).json();
  const routes = apiRoutes({ endpoint: endpointSchemas(api.config), event: eventSchemas(api.config), sample: { type: "sms.received", data: { from: "+15550100", text: "STOP" } } });
  // Every required body, and the optional ones that take fields (not the empty-body actions).
  const withBodies = routes.filter((r) => r.body?.required === true || r.body?.example !== undefined);
  expect(withBodies.length).toBe(7);
  for (const route of withBodies) {
    const shown = doc.paths[route.path][route.method].requestBody.content["application/json"].example;
    expect({ route: `${route.method} ${route.path}`, hasExample: shown !== undefined }).toEqual({ route: `${route.method} ${route.path}`, hasExample: true });
    const parsed = route.body!.schema.safeParse(shown);
    expect({ route: `${route.method} ${route.path}`, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ route: `${route.method} ${route.path}`, issues: [] });
  }
  // The catalog's own type and example are what the event examples send.
  expect(doc.paths["/v1/events"].post.requestBody.content["application/json"].example).toMatchObject({ type: "sms.received", data: { text: "STOP" } });
});

test("limit is an integer from 1 to 1000 defaulting to 50, and request defaults are shown", async () => {
  api = await createTestApi({});
  const doc: any = await (await api.request("/openapi.json")).json();
  const limit = doc.paths["/v1/endpoints"].get.parameters.find((p: { name: string }) => p.name === "limit");
  expect(limit.schema).toEqual({ type: "integer", minimum: 1, maximum: 1000, default: 50 });
  for (const path of ["/v1/deliveries", "/v1/endpoints/{id}/deliveries"]) {
    expect(doc.paths[path].get.parameters.find((p: { name: string }) => p.name === "limit").schema.type).toBe("integer");
  }
  const create = doc.components.schemas.EndpointCreate.properties;
  expect(create.event_types.default).toEqual(["*"]);
  expect(create.tenant.default).toBe("default");
  expect(create.headers.default).toEqual({});
});
