/**
 * The domain errors: why an operation refused, in words every face can
 * show. They carry no HTTP status; each face maps them to its own answer
 * in one place (the API's onError, the console's error page and flash).
 */

/** One problem with an input: the field it is at ("" for the whole) and what is wrong. */
export interface InvalidDetail {
  path: string;
  message: string;
}

/** The thing asked for does not exist (or, for a scoped principal, is not theirs to see). */
export class NotFound extends Error {
  override readonly name = "NotFound";

  /** `resource` is the kind of thing ("endpoint", "delivery", "event"), so a face can word it its own way. */
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
  }
}

/** The request is valid but cannot be done in the current state (already pending, disabled, a reused key). */
export class Conflict extends Error {
  override readonly name = "Conflict";
}

/** The principal may not do this at all, whatever the input. */
export class Forbidden extends Error {
  override readonly name = "Forbidden";
}

/** The input breaks a rule; every problem is a detail, and the message is the first of them. */
export class Invalid extends Error {
  override readonly name = "Invalid";

  constructor(readonly details: InvalidDetail[]) {
    const first = details[0];
    super(first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "invalid request");
  }
}

/** Any of the four: what faces map, as opposed to failures (a bug, a database down). */
export type DomainError = NotFound | Conflict | Forbidden | Invalid;

/** True for a domain error. */
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof NotFound || err instanceof Conflict || err instanceof Forbidden || err instanceof Invalid;
}
