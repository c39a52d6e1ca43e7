/** Contract: endpoint secrets — the first secret, rotation with an overlap, and how many old ones are kept. */
import { describe, expect, test } from "bun:test";
import { backends } from "./backends.ts";
import { endpointInput, HOUR, MINUTE, newSecret, now, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    async function endpointWithSecret(secret = newSecret()) {
      const input = endpointInput({ secret });
      await t.store.endpoints.create({ endpoint: input, now });
      return input.id;
    }

    describe("endpoints.activeSecrets", () => {
      test("after create: the first secret, current (no expiry), created at now", async () => {
        const first = newSecret();
        const id = await endpointWithSecret(first);
        expect(await t.store.endpoints.activeSecrets({ id, now })).toEqual([{ secret: first, createdAt: now, expiresAt: null }]);
        expect(await t.store.endpoints.activeSecrets({ id, now: now + 365 * 24 * HOUR })).toEqual([
          { secret: first, createdAt: now, expiresAt: null },
        ]);
      });

      test("answers no secrets for a missing endpoint", async () => {
        expect(await t.store.endpoints.activeSecrets({ id: "ep_missing", now })).toEqual([]);
      });
    });

    describe("endpoints.rotateSecret", () => {
      test("makes the new secret current; the previous one signs until now + overlapMs", async () => {
        const first = newSecret();
        const second = newSecret();
        const id = await endpointWithSecret(first);
        const at = now + HOUR;
        const rotated = await t.store.endpoints.rotateSecret({ id, secret: second, now: at, overlapMs: 10 * MINUTE, keepPrevious: 5 });
        const both = [
          { secret: second, createdAt: at, expiresAt: null },
          { secret: first, createdAt: now, expiresAt: at + 10 * MINUTE },
        ];
        expect(rotated).toEqual(both);
        expect(await t.store.endpoints.activeSecrets({ id, now: at })).toEqual(both);
        expect(await t.store.endpoints.activeSecrets({ id, now: at + 10 * MINUTE - 1 })).toEqual(both);
        expect(await t.store.endpoints.activeSecrets({ id, now: at + 10 * MINUTE + 1 })).toEqual([both[0]!]);
      });

      test("an overlap of 0 retires the previous secret at once", async () => {
        const id = await endpointWithSecret();
        const next = newSecret();
        await t.store.endpoints.rotateSecret({ id, secret: next, now: now + 1, overlapMs: 0, keepPrevious: 5 });
        const active = await t.store.endpoints.activeSecrets({ id, now: now + 2 });
        expect(active.map((s) => s.secret)).toEqual([next]);
      });

      test("keeps at most keepPrevious rotated-out secrets, the newest ones, current first", async () => {
        const secrets: string[] = [newSecret(), newSecret(), newSecret(), newSecret()];
        const id = await endpointWithSecret(secrets[0]!);
        for (let i = 1; i < secrets.length; i++) {
          await t.store.endpoints.rotateSecret({ id, secret: secrets[i]!, now: now + i * MINUTE, overlapMs: HOUR, keepPrevious: 2 });
        }
        const active = await t.store.endpoints.activeSecrets({ id, now: now + 4 * MINUTE });
        expect(active[0]).toEqual({ secret: secrets[3]!, createdAt: now + 3 * MINUTE, expiresAt: null });
        expect(active.slice(1).map((s) => s.secret).sort()).toEqual([secrets[1]!, secrets[2]!].sort());
        for (const old of active.slice(1)) expect(old.expiresAt).not.toBeNull();
      });

      test("keepPrevious 0 keeps only the new secret, whatever the overlap", async () => {
        const id = await endpointWithSecret();
        const next = newSecret();
        const rotated = await t.store.endpoints.rotateSecret({ id, secret: next, now: now + 1, overlapMs: HOUR, keepPrevious: 0 });
        expect(rotated?.map((s) => s.secret)).toEqual([next]);
        expect((await t.store.endpoints.activeSecrets({ id, now: now + 2 })).map((s) => s.secret)).toEqual([next]);
      });

      test("a secret already past its overlap is not brought back by a later rotation", async () => {
        const first = newSecret();
        const id = await endpointWithSecret(first);
        const second = newSecret();
        const third = newSecret();
        await t.store.endpoints.rotateSecret({ id, secret: second, now: now + 1, overlapMs: MINUTE, keepPrevious: 5 });
        const later = now + HOUR;
        const rotated = await t.store.endpoints.rotateSecret({ id, secret: third, now: later, overlapMs: MINUTE, keepPrevious: 5 });
        expect(rotated?.map((s) => s.secret)).toEqual([third, second]);
        expect(rotated?.[1]?.expiresAt).toBe(later + MINUTE);
      });

      test("answers null for a missing endpoint and rotates nothing", async () => {
        expect(await t.store.endpoints.rotateSecret({ id: "ep_missing", secret: newSecret(), now, overlapMs: 0, keepPrevious: 1 })).toBeNull();
        expect(await t.store.endpoints.activeSecrets({ id: "ep_missing", now })).toEqual([]);
      });
    });
  });
