/**
 * The ready-made Prometheus alert rules and Grafana dashboard in packaging/
 * use only metrics hookgate exposes: every hookgate_* name in their
 * expressions is a family (or a histogram's _bucket) of a real /metrics
 * scrape. promtool is not on a fresh machine, so the rules file is read as
 * the YAML subset it is written in.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";
import { parsePrometheusText } from "../helpers/prometheus-text.ts";

const ROOT = join(import.meta.dir, "../..");
let families: Set<string>;
let api: TestApi;

beforeAll(async () => {
  api = await createTestApi({});
  const m = parsePrometheusText(await (await api.request("/metrics")).text());
  families = new Set([...m.types.keys()]);
});
afterAll(() => api.close());

/** hookgate_* names in an expression, with a histogram's suffixes folded to its family. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bhookgate_[a-z_]+/g)].map((x) => x[0].replace(/_(bucket|sum|count)$/, ""));
}

test("every alert rule has a name, an expression on hookgate's metrics, a severity and a summary", () => {
  const text = readFileSync(join(ROOT, "packaging/prometheus/hookgate-alerts.yml"), "utf8");
  const rules = text.split(/\n\s*- alert: /).slice(1).map((block) => ({
    name: block.split("\n")[0]!.trim(),
    expr: /\n\s*expr: (.+)/.exec(block)?.[1] ?? "",
    severity: /severity: (\w+)/.exec(block)?.[1],
    summary: /summary: (.+)/.exec(block)?.[1],
  }));
  expect(rules.length).toBeGreaterThanOrEqual(6);
  expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
  for (const rule of rules) {
    expect(rule.name).toMatch(/^Hookgate[A-Za-z]+$/);
    expect(["critical", "warning", "info"]).toContain(rule.severity!);
    expect(rule.summary).toBeTruthy();
    expect(rule.expr).not.toBe("");
    for (const name of metricNames(rule.expr)) expect(families).toContain(name);
  }
  // The rates an operator asked for: refused ingests and HTTP errors by route.
  expect(text).toContain("hookgate_http_requests_total");
});

test("the Grafana dashboard is valid JSON whose every panel queries hookgate's metrics", () => {
  const dash = JSON.parse(readFileSync(join(ROOT, "packaging/grafana/hookgate-dashboard.json"), "utf8")) as {
    uid: string;
    panels: { title: string; targets: { expr: string }[] }[];
  };
  expect(dash.uid).toBe("hookgate");
  expect(dash.panels.length).toBeGreaterThanOrEqual(8);
  for (const panel of dash.panels) {
    expect(panel.targets.length).toBeGreaterThan(0);
    for (const t of panel.targets) {
      const names = metricNames(t.expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(families).toContain(name);
    }
  }
});
