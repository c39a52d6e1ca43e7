/** Contract: console sessions and failed logins (webSessions). */
import { describe, expect, test } from "bun:test";
import type { WebSessionRecord } from "../../../src/store/contract.ts";
import { backends } from "./backends.ts";
import { HOUR, MINUTE, now, useStore } from "./harness.ts";

const session = (key: string, seen = now): WebSessionRecord => ({ key, csrfToken: `csrf-${key}`, createdAt: seen, lastSeenAt: seen, flash: null });

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    describe("webSessions", () => {
      test("a created session is found while seen recently enough, and deleted once it is not", async () => {
        await t.store.webSessions.create({ session: session("a"), keep: 10 });
        expect(await t.store.webSessions.find({ key: "a", seenSince: now })).toEqual(session("a"));
        await t.store.webSessions.seen({ key: "a", at: now + HOUR });
        expect(await t.store.webSessions.find({ key: "a", seenSince: now + HOUR })).toMatchObject({ lastSeenAt: now + HOUR });
        expect(await t.store.webSessions.find({ key: "a", seenSince: now + HOUR + 1 })).toBeNull();
        // Gone for good, not only hidden.
        expect(await t.store.webSessions.find({ key: "a", seenSince: 0 })).toBeNull();
      });

      test("beyond `keep` the least recently seen sessions go", async () => {
        await t.store.webSessions.create({ session: session("old", now), keep: 2 });
        await t.store.webSessions.create({ session: session("mid", now + 1), keep: 2 });
        await t.store.webSessions.seen({ key: "old", at: now + 2 });
        await t.store.webSessions.create({ session: session("new", now + 3), keep: 2 });
        expect(await t.store.webSessions.find({ key: "mid", seenSince: 0 })).toBeNull();
        expect(await t.store.webSessions.find({ key: "old", seenSince: 0 })).not.toBeNull();
        expect(await t.store.webSessions.find({ key: "new", seenSince: 0 })).not.toBeNull();
      });

      test("a flash is taken once, and remove ends the session", async () => {
        await t.store.webSessions.create({ session: session("a"), keep: 10 });
        expect(await t.store.webSessions.takeFlash({ key: "a" })).toBeNull();
        await t.store.webSessions.setFlash({ key: "a", flash: '{"kind":"ok","text":"done"}' });
        const takes = await Promise.all([t.store.webSessions.takeFlash({ key: "a" }), t.store.webSessions.takeFlash({ key: "a" })]);
        expect(takes.filter((f) => f !== null)).toEqual(['{"kind":"ok","text":"done"}']);
        await t.store.webSessions.remove({ key: "a" });
        expect(await t.store.webSessions.find({ key: "a", seenSince: 0 })).toBeNull();
      });

      test("failed logins are answered by time, oldest first, from `since` on", async () => {
        for (const at of [now, now + MINUTE, now + 2 * MINUTE]) await t.store.webSessions.loginFailed({ at });
        expect(await t.store.webSessions.loginFailures({ since: now + 1 })).toEqual([now + MINUTE, now + 2 * MINUTE]);
        expect(await t.store.webSessions.loginFailures({ since: now + HOUR })).toEqual([]);
      });
    });
  });
