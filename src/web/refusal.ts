/**
 * How a web face words an operation's refusal: the status its error page
 * answers with, and the text of that page or of a flash message. The words
 * are the operations' own, so the console says what the API says, except
 * that an endpoint is a "webhook" on these pages, as everywhere else in them.
 */
import { Conflict, Forbidden, Invalid, isDomainError, NotFound } from "../domain/errors.ts";

/** What the pages call the operations' resources, where the words differ. */
const PAGE_WORDS: Record<string, string> = { endpoint: "webhook" };

export interface Refusal {
  status: 403 | 404 | 409 | 422;
  text: string;
}

/** The refusal a domain error stands for; null for anything else (a failure, not a refusal). */
export function refusalOf(err: unknown): Refusal | null {
  if (!isDomainError(err)) return null;
  if (err instanceof NotFound) return { status: 404, text: `${PAGE_WORDS[err.resource] ?? err.resource} ${err.id} not found` };
  if (err instanceof Conflict) return { status: 409, text: err.message };
  if (err instanceof Forbidden) return { status: 403, text: err.message };
  if (err instanceof Invalid) return { status: 422, text: err.message };
  const unmapped: never = err;
  throw new Error(`no page for ${String(unmapped)}`);
}

/** A refusal's text for a flash message; anything else is rethrown (the error page and the log take it). */
export function refusalText(err: unknown): string {
  const refusal = refusalOf(err);
  if (refusal === null) throw err;
  return refusal.text;
}
