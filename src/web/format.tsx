/** @jsxImportSource hono/jsx */
/** Small view helpers shared by the console pages: times, ages, status words. */
import type { Child } from "hono/jsx";
import { formatRfc3339 } from "../domain/rfc3339.ts";

/** "2026-01-15 10:30:00 UTC", or an em dash for null. */
export function utc(ms: number | null): string {
  if (ms === null) return "—";
  return formatRfc3339(ms, "seconds").replace("T", " ").replace("Z", " UTC");
}

/** "2026-01-15T10:30", the value of a datetime-local input (read as UTC by form-input.ts). */
export function minuteInput(ms: number): string {
  return formatRfc3339(ms, "seconds").slice(0, 16);
}

/** "3 min ago", "in 12 s": how far `ms` is from `now`, in the largest whole unit. */
export function age(ms: number, now: number): string {
  const d = Math.abs(now - ms);
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1000, "s"],
  ];
  const [size, name] = units.find(([size]) => d >= size) ?? [1000, "s"];
  const n = Math.floor(d / size);
  if (d < 1000) return "just now";
  return now >= ms ? `${n} ${name} ago` : `in ${n} ${name}`;
}

/** A time with its age beside it, in a <time> element carrying the ISO value. */
export function When(props: { ms: number | null; now: number }) {
  if (props.ms === null) return <span class="muted">—</span>;
  return (
    <time datetime={formatRfc3339(props.ms, "milliseconds")} title={utc(props.ms)}>
      {utc(props.ms)} <span class="muted">({age(props.ms, props.now)})</span>
    </time>
  );
}

/** Milliseconds as "850 ms" or "2.4 s"; em dash for null. */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 10 && !Number.isInteger(ms)) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A share 0..1 as "99.5 %"; em dash for null. */
export function percent(x: number | null): string {
  if (x === null) return "—";
  const p = x * 100;
  return `${p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
}

type Tone = "ok" | "bad" | "warn" | "idle";

const ICON: Record<Tone, string> = { ok: "✓", bad: "✗", warn: "↻", idle: "■" };

/** A status word with an icon and a colour: the word and icon carry the meaning, the colour only repeats it. */
export function Badge(props: { tone: Tone; children: Child }) {
  return (
    <span class={`badge ${props.tone}`}>
      <span aria-hidden="true">{ICON[props.tone]}</span> {props.children}
    </span>
  );
}

/** A delivery status as a badge. */
export function DeliveryStatus(props: { status: "pending" | "succeeded" | "failed" }) {
  const tone: Tone = props.status === "succeeded" ? "ok" : props.status === "failed" ? "bad" : "warn";
  return <Badge tone={tone}>{props.status}</Badge>;
}

/** An HTTP status code or transport error as a badge; an interrupted attempt (hookgate's cut, not the receiver's failure) as a warning. */
export function AttemptOutcome(props: { statusCode: number | null; error: string | null }) {
  const ok = props.statusCode !== null && props.statusCode >= 200 && props.statusCode < 300 && props.error === null;
  const text = [props.statusCode === null ? null : `HTTP ${props.statusCode}`, props.error].filter(Boolean).join(" · ") || "no response";
  return <Badge tone={ok ? "ok" : props.error === "interrupted" ? "warn" : "bad"}>{text}</Badge>;
}
