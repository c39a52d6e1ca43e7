/**
 * One attempt at one delivery, in four stages: sign the request, send it
 * through the HTTP client (and its address guard), classify what came back
 * (domain/outcome.ts) and decide the next state (decide-next.ts). The result
 * is data (an AttemptRecord the store writes in one transaction); a failed
 * delivery never throws.
 */
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { IdGenerator } from "../domain/ids.ts";
import { classifyAttempt } from "../domain/outcome.ts";
import { signedHeaders } from "../domain/signed-headers.ts";
import type { HttpClient, SendResult } from "../http-client/http-client.ts";
import { unsentAttempt } from "../domain/unsent-attempt.ts";
import type { AttemptRecord, ClaimedDelivery } from "../store/contract.ts";
import type { Endpoint } from "../domain/model.ts";
import { VERSION } from "../version.ts";
import { decideNext } from "./decide-next.ts";

/** Where a delivery goes and how it is signed, looked up per attempt. */
export interface Destination {
  /** null for a one-off callback_url. */
  endpoint: Endpoint | null;
  /** Active secrets, current first. */
  secrets: string[];
}

export interface DeliverDeps {
  client: HttpClient;
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  random: () => number;
  /** null when the endpoint no longer exists. */
  destination(endpointId: string | null): Promise<Destination | null>;
}

export type Deliverer = (claimed: ClaimedDelivery) => Promise<AttemptRecord | null>;

const USER_AGENT = `hookgate/${VERSION}`;

/** Builds the deliverer; it answers null when there is nothing to record (endpoint deleted meanwhile). */
export function createDeliverer(deps: DeliverDeps): Deliverer {
  const { client, config, clock, ids } = deps;

  /** Sign: the request headers, signed with every active secret as the attempt starts. */
  function sign({ delivery, payload }: ClaimedDelivery, destination: Destination, startedAt: number): Record<string, string> {
    return signedHeaders({
      custom: destination.endpoint?.headers ?? {},
      userAgent: USER_AGENT,
      simpleHeader: config.signing.header,
      secrets: destination.secrets,
      msgId: delivery.eventId,
      at: startedAt,
      body: payload,
    });
  }

  /** Send: one POST within the attempt's deadline; whatever the network or the receiver does comes back as data. */
  function send({ delivery, payload }: ClaimedDelivery, headers: Record<string, string>): Promise<SendResult> {
    return client.send({
      url: delivery.url,
      headers,
      body: payload,
      timeoutMs: config.delivery.timeout,
      responseBodyLimit: config.delivery.response_body_limit,
    });
  }

  return async (claimed) => {
    const { delivery } = claimed;
    const destination = await deps.destination(delivery.endpointId);
    if (!destination) return null;
    const startedAt = clock.now();

    // A disabled endpoint gets no request; test sends are the exception, so
    // an operator can check whether it is back before enabling it.
    if (destination.endpoint?.state === "disabled" && !delivery.isTest) return refusedRecord(claimed, ids("att"), startedAt);

    const requestHeaders = sign(claimed, destination, startedAt);
    const result = await send(claimed, requestHeaders);
    const outcome = classifyAttempt({ transportError: result.error?.code ?? null, statusCode: result.statusCode });
    const { next, lastError, health } = decideNext({
      delivery,
      hasEndpoint: destination.endpoint !== null,
      outcome,
      statusCode: result.statusCode,
      responseHeaders: result.responseHeaders,
      now: clock.now(),
      policy: config.delivery,
      random: deps.random,
    });
    return {
      attempt: {
        id: ids("att"),
        deliveryId: delivery.id,
        n: delivery.attemptCount + 1,
        startedAt,
        durationMs: Math.round(result.durationMs),
        statusCode: result.statusCode,
        error: outcome.error,
        requestHeaders,
        responseHeaders: result.responseHeaders,
        responseBody: result.responseBody,
        responseTruncated: result.truncated,
        nextAttemptAt: next.status === "pending" ? next.at : null,
      },
      delivery,
      next,
      lastError,
      health,
    };
  };
}

/** The record of an attempt refused because the endpoint is disabled: no request, the delivery fails, health stays. */
function refusedRecord({ delivery }: ClaimedDelivery, id: string, startedAt: number): AttemptRecord {
  return {
    attempt: unsentAttempt({
      id,
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      n: delivery.attemptCount + 1,
      startedAt,
      error: "endpoint_disabled",
      nextAttemptAt: null,
      isTest: delivery.isTest,
    }),
    delivery,
    next: { status: "failed" },
    lastError: "endpoint_disabled",
    health: null,
  };
}
