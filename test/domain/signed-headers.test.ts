import { createHmac } from "node:crypto";
import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { signedHeaders, type SignedHeadersInput } from "../../src/domain/signed-headers.ts";

/** 32 key bytes 0x00..0x1f. */
const CURRENT = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/** 24 key bytes: the ASCII text "hookgate-rotation-secret". */
const OLDER = "whsec_aG9va2dhdGUtcm90YXRpb24tc2VjcmV0";
const MSG_ID = "evt_01JHX3Q5Z8M4N6P7R9S0T1V2W3";
/** 2025-01-16T10:30:00.750Z: 750 ms past a whole second. */
const AT = 1_737_023_400_750;
const BODY = '{"id":"evt_01JHX3Q5Z8M4N6P7R9S0T1V2W3","text":"Habari, café ☕"}';

function input(overrides: Partial<SignedHeadersInput> = {}): SignedHeadersInput {
  return { custom: {}, userAgent: "hookgate/1.2.3", simpleHeader: "x-hookgate-signature", secrets: [CURRENT], msgId: MSG_ID, at: AT, body: BODY, ...overrides };
}

/** The Standard Webhooks signature as the reference library writes it. */
const standard = (secret: string, at: number) => new Webhook(secret).sign(MSG_ID, new Date(Math.floor(at / 1000) * 1000), BODY);
const simple = (secret: string) => createHmac("sha256", secret).update(BODY, "utf8").digest("hex");

describe("signedHeaders", () => {
  test("carries the id, the start in whole seconds, both signatures, the content type and the user agent", () => {
    expect(signedHeaders(input())).toEqual({
      "content-type": "application/json",
      "user-agent": "hookgate/1.2.3",
      "webhook-id": MSG_ID,
      "webhook-timestamp": "1737023400",
      "webhook-signature": standard(CURRENT, AT),
      "x-hookgate-signature": simple(CURRENT),
    });
  });

  const cases: [string, Partial<SignedHeadersInput>, Record<string, string>][] = [
    ["signs with every active secret, current first", { secrets: [CURRENT, OLDER] }, {
      "webhook-signature": `${standard(CURRENT, AT)} ${standard(OLDER, AT)}`,
      "x-hookgate-signature": `${simple(CURRENT)},${simple(OLDER)}`,
    }],
    ["names the simple signature header as configured", { simpleHeader: "x-signature" }, { "x-signature": simple(CURRENT) }],
    ["floors the timestamp, never rounding into the future", { at: 1_737_023_400_999 }, { "webhook-timestamp": "1737023400" }],
    ["signs a start on a whole second as that second", { at: 1_737_023_401_000 }, { "webhook-timestamp": "1737023401", "webhook-signature": standard(CURRENT, 1_737_023_401_000) }],
    ["keeps the endpoint's custom headers", { custom: { "x-tenant": "acme", authorization: "Bearer t" } }, { "x-tenant": "acme", authorization: "Bearer t" }],
    ["lets no custom header replace one of ours", {
      custom: { "webhook-id": "evt_forged", "webhook-signature": "v1,forged", "content-type": "text/plain", "user-agent": "curl", "x-hookgate-signature": "forged" },
    }, { "webhook-id": MSG_ID, "webhook-signature": standard(CURRENT, AT), "content-type": "application/json", "user-agent": "hookgate/1.2.3", "x-hookgate-signature": simple(CURRENT) }],
  ];
  test.each(cases)("%s", (_, overrides, expected) => {
    expect(signedHeaders(input(overrides))).toMatchObject(expected);
  });

  test("sends the custom headers first and ours after them, the order the delivery log shows", () => {
    const names = Object.keys(signedHeaders(input({ custom: { "x-b": "2", "x-a": "1" } })));
    expect(names).toEqual(["x-b", "x-a", "content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature", "x-hookgate-signature"]);
  });

  test("a receiver holding either secret verifies the rotated headers", () => {
    const at = Date.now();
    const headers = signedHeaders(input({ secrets: [CURRENT, OLDER], at }));
    for (const secret of [CURRENT, OLDER]) expect(() => new Webhook(secret).verify(BODY, headers, { jsonParse: false })).not.toThrow();
  });

  test("refuses to sign with no secret rather than send the event unsigned", () => {
    expect(() => signedHeaders(input({ secrets: [] }))).toThrow(RangeError);
  });
});
