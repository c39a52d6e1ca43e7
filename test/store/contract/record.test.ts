/** Contract: deliveries.recordAttempt — the attempt row, the delivery's next state, and the endpoint's health. */
import { describe, expect, test } from "bun:test";
import type { Endpoint } from "../../../src/domain/model.ts";
import { backends } from "./backends.ts";
import { failOnce, failure, record, success } from "./attempt-records.ts";
import { claim, claimOne, commitOne, createEndpoint, DAY, MINUTE, mustGetDelivery, mustGetEndpoint, now, SECOND, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    /** A delivery to `ep` due at `at`, claimed alone at `at`. */
    async function claimedAt(ep: Endpoint | null, at = now) {
      const id = await commitOne(t.store, ep, { at, dueAt: at });
      return claimOne(t.store, id, { at });
    }

    describe("recordAttempt: the delivery's next state", () => {
      test("pending at a time: due then, lease ended, attempt counted, lastError as given", async () => {
        const ep = await createEndpoint(t.store);
        const d = await claimedAt(ep);
        const rec = failure(d, { next: { status: "pending", at: now + 5 * MINUTE }, lastError: "HTTP 503 from upstream" });
        await record(t.store, rec, now + 200);
        expect(await mustGetDelivery(t.store, d.id)).toMatchObject({
          status: "pending",
          attemptCount: 1,
          nextAttemptAt: now + 5 * MINUTE,
          lease: null,
          lastError: "HTTP 503 from upstream",
        });
        const attempts = await t.store.deliveries.attempts(d.id);
        expect(attempts).toHaveLength(1);
        const { responseBody, ...rest } = attempts[0]!;
        const { responseBody: sentBody, ...sent } = rec.attempt;
        expect(rest).toEqual({ ...sent, endpointId: ep.id, isTest: false });
        expect(responseBody && new TextDecoder().decode(responseBody)).toBe(new TextDecoder().decode(sentBody!));
      });

      test("succeeded: no due time, no lease, lastError null", async () => {
        const ep = await createEndpoint(t.store);
        const first = await claimedAt(ep);
        await record(t.store, failure(first, { next: { status: "pending", at: now + SECOND } }));
        const d = await claimOne(t.store, first.id, { at: now + SECOND });
        await record(t.store, success(d));
        expect(await mustGetDelivery(t.store, d.id)).toMatchObject({ status: "succeeded", attemptCount: 2, nextAttemptAt: null, lease: null, lastError: null });
        const attempts = await t.store.deliveries.attempts(d.id);
        expect(attempts.map((a) => [a.n, a.statusCode, a.error])).toEqual([
          [1, 500, "http_status"],
          [2, 200, null],
        ]);
      });

      test("failed: final, not due again, never claimed again", async () => {
        const ep = await createEndpoint(t.store);
        const d = await claimedAt(ep);
        await record(t.store, failure(d, { next: { status: "failed" }, lastError: "HTTP 500" }));
        expect(await mustGetDelivery(t.store, d.id)).toMatchObject({ status: "failed", nextAttemptAt: null, lease: null, lastError: "HTTP 500" });
        expect(await claim(t.store, { at: now + DAY })).toEqual([]);
      });

      test("a callback_url delivery (no endpoint) records with health null", async () => {
        const d = await claimedAt(null);
        const result = await record(t.store, success(d, { health: null }));
        expect(result).toEqual({ endpoint: null });
        expect(await mustGetDelivery(t.store, d.id)).toMatchObject({ status: "succeeded", endpointId: null });
        expect(await t.store.deliveries.attempts(d.id)).toHaveLength(1);
      });

      test("for a delivery that ended meanwhile (endpoint deleted) it resurrects neither delivery nor endpoint", async () => {
        const ep = await createEndpoint(t.store);
        const d = await claimedAt(ep);
        await t.store.endpoints.remove({ id: ep.id, now: now + 1 });
        await record(t.store, failure(d, { next: { status: "pending", at: now + MINUTE } }));
        expect(await mustGetDelivery(t.store, d.id)).toMatchObject({ status: "failed", lastError: "endpoint_deleted", nextAttemptAt: null });
        expect(await t.store.endpoints.get(ep.id)).toBeNull();
        expect(await t.store.deliveries.earliestDue()).toBeNull();
      });
    });

    describe("recordAttempt: the endpoint's health", () => {
      test("a failure starts a streak (startedFailing true), the next one extends it (false)", async () => {
        const ep = await createEndpoint(t.store);
        const first = await claimedAt(ep, now);
        const r1 = await record(t.store, failure(first, { next: { status: "failed" } }));
        expect(r1.endpoint).toEqual({ endpointId: ep.id, startedFailing: true, recovered: null, disabled: null });
        const failing = await mustGetEndpoint(t.store, ep.id);
        expect(failing.consecutiveFailures).toBe(1);
        expect(failing.failingSince).toBeGreaterThanOrEqual(now);
        expect(failing.failingSince).toBeLessThanOrEqual(now + 10);
        expect(failing.state).toBe("enabled");

        const second = await claimedAt(ep, now + MINUTE);
        const r2 = await record(t.store, failure(second, { next: { status: "failed" } }));
        expect(r2.endpoint).toEqual({ endpointId: ep.id, startedFailing: false, recovered: null, disabled: null });
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ consecutiveFailures: 2, failingSince: failing.failingSince });
      });

      test("a success after failures answers recovered {failingSince} and ends the streak", async () => {
        const ep = await createEndpoint(t.store);
        await failOnce(t.store, ep, now);
        await failOnce(t.store, ep, now + SECOND);
        const { failingSince } = await mustGetEndpoint(t.store, ep.id);
        expect(failingSince).not.toBeNull();
        const d = await claimedAt(ep, now + MINUTE);
        const r = await record(t.store, success(d));
        expect(r.endpoint).toEqual({ endpointId: ep.id, startedFailing: false, recovered: { failingSince: failingSince! }, disabled: null });
        const healthy = await mustGetEndpoint(t.store, ep.id);
        expect(healthy).toMatchObject({ consecutiveFailures: 0, failingSince: null, state: "enabled" });
        expect(healthy.lastSuccessAt).not.toBeNull();
      });

      test("a success of a healthy endpoint answers no recovery", async () => {
        const ep = await createEndpoint(t.store);
        const r = await record(t.store, success(await claimedAt(ep)));
        expect(r.endpoint).toEqual({ endpointId: ep.id, startedFailing: false, recovered: null, disabled: null });
        expect((await mustGetEndpoint(t.store, ep.id)).lastSuccessAt).not.toBeNull();
      });

      test('disable: "gone" disables the endpoint at once', async () => {
        const ep = await createEndpoint(t.store);
        const d = await claimedAt(ep);
        const r = await record(
          t.store,
          failure(d, { statusCode: 410, next: { status: "failed" }, health: { success: false, disable: "gone", disableIfFailingBefore: null } }),
        );
        expect(r.endpoint).toMatchObject({ endpointId: ep.id, disabled: "gone", startedFailing: true });
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ state: "disabled", disabledReason: "gone" });
      });

      test("disableIfFailingBefore disables as auto_failing once the streak began at or before that time", async () => {
        const ep = await createEndpoint(t.store);
        await failOnce(t.store, ep, now);
        const { failingSince } = await mustGetEndpoint(t.store, ep.id);
        const streakStart = failingSince!;

        const notYet = await claimedAt(ep, now + MINUTE);
        const r1 = await record(
          t.store,
          failure(notYet, { next: { status: "failed" }, health: { success: false, disable: null, disableIfFailingBefore: streakStart - 1 } }),
        );
        expect(r1.endpoint).toMatchObject({ disabled: null, startedFailing: false });
        expect((await mustGetEndpoint(t.store, ep.id)).state).toBe("enabled");

        const third = await claimedAt(ep, now + 2 * MINUTE);
        const r2 = await record(
          t.store,
          failure(third, { next: { status: "failed" }, health: { success: false, disable: null, disableIfFailingBefore: streakStart } }),
        );
        expect(r2.endpoint).toMatchObject({ endpointId: ep.id, disabled: "auto_failing", startedFailing: false });
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ state: "disabled", disabledReason: "auto_failing" });
      });

      test("health null leaves the endpoint untouched and answers {endpoint: null}", async () => {
        const ep = await createEndpoint(t.store);
        const before = await mustGetEndpoint(t.store, ep.id);
        const d = await claimedAt(ep);
        const r = await record(t.store, failure(d, { next: { status: "failed" }, health: null }));
        expect(r).toEqual({ endpoint: null });
        expect(await mustGetEndpoint(t.store, ep.id)).toEqual(before);
        expect(await mustGetDelivery(t.store, d.id)).toMatchObject({ status: "failed" });
      });
    });
  });
