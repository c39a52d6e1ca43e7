/**
 * The headers every attempt carries (README, "What a subscriber receives"): the endpoint's custom
 * headers, then ours, which win a clash, so an endpoint cannot forge its
 * own webhook-id or signature. Both signatures cover the same body and the
 * webhook-timestamp is the attempt's start in whole seconds, so a receiver
 * can check freshness against what it verified.
 */
import { simpleSignatureHeader, standardSignatureHeader } from "./signature.ts";

/** What the signed headers of one attempt are made from. */
export interface SignedHeadersInput {
  /** The endpoint's custom headers (none for a callback_url delivery). */
  custom: Readonly<Record<string, string>>;
  userAgent: string;
  /** The name of the simple signature header (`signing.header`). */
  simpleHeader: string;
  /** Active secrets, current first; each signs, so a rotation does not break receivers. */
  secrets: readonly string[];
  /** The webhook-id: the event's id, the same on every attempt so receivers can deduplicate. */
  msgId: string;
  /** When the attempt starts, epoch milliseconds. */
  at: number;
  /** The exact body sent. */
  body: string;
}

/** The request headers of one attempt, in the order they are sent and logged; throws for an empty secret list. */
export function signedHeaders(input: SignedHeadersInput): Record<string, string> {
  const timestampSec = Math.floor(input.at / 1000);
  return {
    ...input.custom,
    "content-type": "application/json",
    "user-agent": input.userAgent,
    "webhook-id": input.msgId,
    "webhook-timestamp": String(timestampSec),
    "webhook-signature": standardSignatureHeader(input.secrets, input.msgId, timestampSec, input.body),
    [input.simpleHeader]: simpleSignatureHeader(input.secrets, input.body),
  };
}
