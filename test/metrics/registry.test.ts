import { describe, expect, test } from "bun:test";
import { escapeLabelValue, formatValue, Registry } from "../../src/metrics/registry.ts";
import { parsePrometheusText } from "../helpers/prometheus-text.ts";

describe("text exposition format", () => {
  test("renders a known set of observations exactly", () => {
    const r = new Registry();
    const events = r.counter({ name: "app_events_total", help: "Events accepted." });
    const attempts = r.counter({ name: "app_attempts_total", help: "Attempts by outcome.", labelNames: ["outcome", "class"] });
    const pending = r.gauge({ name: "app_pending", help: "Pending now." });
    const duration = r.histogram({ name: "app_duration_seconds", help: "Duration.", buckets: [0.1, 1, 2.5] });
    events.inc({});
    events.inc({}, 2);
    attempts.inc({ outcome: "success", class: "2xx" });
    attempts.inc({ outcome: "failure", class: "5xx" }, 3);
    pending.set({}, 7);
    for (const v of [0.05, 0.1, 0.7, 3]) duration.observe({}, v);
    expect(r.render()).toBe(
      [
        "# HELP app_events_total Events accepted.",
        "# TYPE app_events_total counter",
        "app_events_total 3",
        "# HELP app_attempts_total Attempts by outcome.",
        "# TYPE app_attempts_total counter",
        'app_attempts_total{outcome="failure",class="5xx"} 3',
        'app_attempts_total{outcome="success",class="2xx"} 1',
        "# HELP app_pending Pending now.",
        "# TYPE app_pending gauge",
        "app_pending 7",
        "# HELP app_duration_seconds Duration.",
        "# TYPE app_duration_seconds histogram",
        'app_duration_seconds_bucket{le="0.1"} 2',
        'app_duration_seconds_bucket{le="1"} 3',
        'app_duration_seconds_bucket{le="2.5"} 3',
        'app_duration_seconds_bucket{le="+Inf"} 4',
        "app_duration_seconds_sum 3.85",
        "app_duration_seconds_count 4",
        "",
      ].join("\n"),
    );
  });

  test("a family with no series yet still has its HELP and TYPE, and no samples", () => {
    const r = new Registry();
    r.counter({ name: "x_total", help: "X.", labelNames: ["a"] });
    expect(r.render()).toBe("# HELP x_total X.\n# TYPE x_total counter\n");
  });

  test("histogram buckets are cumulative, +Inf equals _count, labels come before le", () => {
    const r = new Registry();
    const h = r.histogram({ name: "h_seconds", help: "H.", labelNames: ["endpoint_id"], buckets: [1, 2] });
    h.observe({ endpoint_id: "ep_1" }, 1.5);
    h.observe({ endpoint_id: "ep_1" }, 1.5);
    h.observe({ endpoint_id: "ep_1" }, 0.5);
    h.observe({ endpoint_id: "ep_2" }, 10);
    const lines = r.render().split("\n");
    expect(lines).toContain('h_seconds_bucket{endpoint_id="ep_1",le="1"} 1');
    expect(lines).toContain('h_seconds_bucket{endpoint_id="ep_1",le="2"} 3');
    expect(lines).toContain('h_seconds_bucket{endpoint_id="ep_1",le="+Inf"} 3');
    expect(lines).toContain('h_seconds_count{endpoint_id="ep_1"} 3');
    expect(lines).toContain('h_seconds_sum{endpoint_id="ep_1"} 3.5');
    expect(lines).toContain('h_seconds_bucket{endpoint_id="ep_2",le="2"} 0');
    expect(lines).toContain('h_seconds_bucket{endpoint_id="ep_2",le="+Inf"} 1');
    // ep_1's series come before ep_2's: one block per series.
    expect(lines.findIndex((l) => l.includes("ep_2"))).toBeGreaterThan(lines.findLastIndex((l) => l.includes("ep_1")));
  });

  test("a value on a bucket's bound is counted in that bucket (le is inclusive)", () => {
    const r = new Registry();
    const h = r.histogram({ name: "h", help: "H.", buckets: [0.001, 0.005] });
    h.observe({}, 0.001);
    expect(r.render()).toContain('h_bucket{le="0.001"} 1\n');
  });

  test("escapes backslash, double quote and newline in label values, backslash and newline in HELP", () => {
    const r = new Registry();
    const c = r.counter({ name: "c_total", help: "Line one\nand a back\\slash \"quoted\".", labelNames: ["v"] });
    c.inc({ v: 'a\\b"c\nd' });
    expect(r.render()).toBe(
      '# HELP c_total Line one\\nand a back\\\\slash "quoted".\n# TYPE c_total counter\nc_total{v="a\\\\b\\"c\\nd"} 1\n',
    );
    expect(escapeLabelValue("plain ünïcode")).toBe("plain ünïcode");
  });

  test("formats values as Go floats: infinities, NaN, fractions, large numbers", () => {
    expect(formatValue(Infinity)).toBe("+Inf");
    expect(formatValue(-Infinity)).toBe("-Inf");
    expect(formatValue(NaN)).toBe("NaN");
    expect(formatValue(0.0025)).toBe("0.0025");
    expect(formatValue(1e21)).toBe("1e+21");
    expect(Number.parseFloat(formatValue(1e-7))).toBe(1e-7);
  });

  test("series are sorted by label values, so two scrapes of the same state are identical", () => {
    const r = new Registry();
    const g = r.gauge({ name: "g", help: "G.", labelNames: ["state"] });
    g.set({ state: "enabled" }, 1);
    g.set({ state: "disabled" }, 2);
    expect(r.render()).toBe('# HELP g G.\n# TYPE g gauge\ng{state="disabled"} 2\ng{state="enabled"} 1\n');
  });

  test("removeWhere forgets the series of one label value; reset forgets all", () => {
    const r = new Registry();
    const c = r.counter({ name: "c_total", help: "C.", labelNames: ["endpoint_id", "outcome"] });
    c.inc({ endpoint_id: "ep_1", outcome: "success" });
    c.inc({ endpoint_id: "ep_1", outcome: "failure" });
    c.inc({ endpoint_id: "ep_2", outcome: "success" });
    c.removeWhere("endpoint_id", "ep_1");
    expect(r.render()).toBe('# HELP c_total C.\n# TYPE c_total counter\nc_total{endpoint_id="ep_2",outcome="success"} 1\n');
    c.reset();
    expect(r.render()).toBe("# HELP c_total C.\n# TYPE c_total counter\n");
  });
});

describe("misuse is a programming error, thrown at once", () => {
  test.each([
    ["a metric name with a dash", () => new Registry().counter({ name: "bad-name", help: "" })],
    ["a reserved label name", () => new Registry().counter({ name: "c", help: "", labelNames: ["__x"] })],
    ["le on a family", () => new Registry().histogram({ name: "h", help: "", labelNames: ["le"], buckets: [1] })],
    ["unsorted buckets", () => new Registry().histogram({ name: "h", help: "", buckets: [1, 0.5] })],
    ["no buckets", () => new Registry().histogram({ name: "h", help: "", buckets: [] })],
    [
      "the same name twice",
      () => {
        const r = new Registry();
        r.gauge({ name: "g", help: "" });
        r.gauge({ name: "g", help: "" });
      },
    ],
  ])("refuses %s", (_name, make) => {
    expect(make).toThrow();
  });

  test("refuses labels other than the declared ones, and a counter going down", () => {
    const c = new Registry().counter({ name: "c_total", help: "", labelNames: ["a"] });
    expect(() => c.inc({} as { a: string })).toThrow("takes labels [a]");
    expect(() => c.inc({ a: "x", b: "y" } as { a: string })).toThrow("takes labels [a]");
    expect(() => c.inc({ a: "x" }, -1)).toThrow("cannot go down");
  });
});

describe("the strict text parser the other metrics tests rely on", () => {
  test("accepts the registry's output, escapes included", () => {
    const r = new Registry();
    r.counter({ name: "c_total", help: 'A "help"\nwith \\ in it.', labelNames: ["v"] }).inc({ v: 'a\\b"c\nd' });
    r.histogram({ name: "h", help: "H.", labelNames: ["x"], buckets: [1, 2] }).observe({ x: "y" }, 1.5);
    const e = parsePrometheusText(r.render());
    expect(e.value("c_total", { v: 'a\\b"c\nd' })).toBe(1);
    expect(e.value("h_bucket", { x: "y", le: "+Inf" })).toBe(1);
  });

  test.each([
    ["no final newline", "a 1"],
    ["a bad metric name", "1a 1\n"],
    ["a bad value", "a one\n"],
    ["an unquoted label value", "a{b=c} 1\n"],
    ["a bad escape in a label value", 'a{b="\\t"} 1\n'],
    ["a duplicate series", "a 1\na 2\n"],
    ["a TYPE after samples", "a 1\n# TYPE a gauge\n"],
    ["an unknown type", "# TYPE a thing\n"],
    ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ["non-cumulative buckets", '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n'],
    ["+Inf differing from _count", '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
  ])("refuses %s", (_name, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
