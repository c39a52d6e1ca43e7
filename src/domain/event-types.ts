/**
 * Event-type subscriptions: an endpoint lists exact names ("message.failed"),
 * prefix patterns ("message.*", which also matches "message.sms.failed") or
 * "*" for everything.
 */

export const EVENT_TYPE_PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

/** True when `pattern` selects events of `type`. */
export function matchesEventType(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** True when any of `patterns` selects `type`. */
export function subscribesTo(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => matchesEventType(p, type));
}
