import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import {
  simpleSignature,
  simpleSignatureHeader,
  standardSignature,
  standardSignatureHeader,
} from "../../src/domain/signature.ts";

/*
 * Fixed vectors, computed outside this code base with OpenSSL 3.0 and checked
 * again with Python's hmac module (both agreed on every value):
 *
 *   ID=evt_01JHX3Q5Z8M4N6P7R9S0T1V2W3; TS=1737023400
 *   std()    { printf '%s' "$ID.$TS.$2" \
 *                | openssl dgst -sha256 -mac HMAC \
 *                    -macopt hexkey:"$(printf '%s' "${1#whsec_}" | base64 -d | xxd -p -c 256)" -binary \
 *                | base64; }                                  # then prefix "v1,"
 *   simple() { printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1; }
 *
 *   python3: "v1," + base64.b64encode(hmac.new(base64.b64decode(s[6:]), f"{ID}.{TS}.{b}".encode(), hashlib.sha256).digest())
 *            hmac.new(s.encode(), b.encode(), hashlib.sha256).hexdigest()
 */

/** 32 key bytes 0x00..0x1f. */
const SECRET_A = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/** 24 key bytes: the ASCII text "hookgate-rotation-secret". */
const SECRET_B = "whsec_aG9va2dhdGUtcm90YXRpb24tc2VjcmV0";
const MSG_ID = "evt_01JHX3Q5Z8M4N6P7R9S0T1V2W3";
const TS = 1737023400;
const EVENT_BODY =
  '{"id":"evt_01JHX3Q5Z8M4N6P7R9S0T1V2W3","event":"message.delivered","timestamp":"2025-01-16T10:30:00Z","data":{"message_id":"msg_abc123","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}';
const UTF8_BODY = '{"text":"Habari, café ☕"}';

const VECTORS = [
  {
    name: "an event body",
    secret: SECRET_A,
    body: EVENT_BODY,
    standard: "v1,SRSMbZpe65yka27bi/nTAosgALoASv4qeCOgYOluE/s=",
    simple: "cc2cba6e69114f7c6b7f2d4bc0bf8079a240029ff510b8f80a0341000f01fa9f",
  },
  {
    name: "a body with multi-byte UTF-8",
    secret: SECRET_A,
    body: UTF8_BODY,
    standard: "v1,MPk5Sxq7nwAjfp+bv7JEyP/X7jTH/xT/a9Q4TySdKeY=",
    simple: "54ff118ddfb72430f1cc4a36c9d726c15c72900ea9306c7be801748101a386ad",
  },
  {
    name: "an empty body",
    secret: SECRET_A,
    body: "",
    standard: "v1,UHMkKPClSgyOUiyDUeBTJrCc3iVav/aA4mginEy9DX0=",
    simple: "3869a63cbe73c747431cf9ff4d38cbaa6ad6adb0541c4753e1c90f7b6920620f",
  },
  {
    name: "an event body under a 24-byte secret",
    secret: SECRET_B,
    body: EVENT_BODY,
    standard: "v1,w3KQQ4dP8v77xJfd+hBs1HmdbtnDSv697VufUaB+G2c=",
    simple: "ef60d647b7758ae36f61a59d81fdceaf6d05281fda07e557c4ed24838f0a6c6c",
  },
  {
    name: "a body with multi-byte UTF-8 under a 24-byte secret",
    secret: SECRET_B,
    body: UTF8_BODY,
    standard: "v1,p1szegMK1wqFVFtvrl0UTTvozlFkZ5i0QX36G06offQ=",
    simple: "f134742daf058eb727c5ffcfdfb137b7cf2b3ead385b9075e3b1ce5d3fd36301",
  },
  {
    name: "an empty body under a 24-byte secret",
    secret: SECRET_B,
    body: "",
    standard: "v1,4VURxxEuZIzsBTipLBa9HXBCr/iSP64N1MORJA8QPpw=",
    simple: "20434308bbbeada0830623707f469ed4a1b749478c51bfe247b7a03e220492a6",
  },
] as const;

const nowSec = () => Math.floor(Date.now() / 1000);

/** Headers as a subscriber would receive them. */
function headersFor(secrets: readonly string[], msgId: string, ts: number, body: string) {
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(ts),
    "webhook-signature": standardSignatureHeader(secrets, msgId, ts, body),
  };
}

describe("standardSignature", () => {
  test.each(VECTORS)("matches the OpenSSL vector for $name", ({ secret, body, standard }) => {
    expect(standardSignature(secret, MSG_ID, TS, body)).toBe(standard);
  });

  test("changes when any one of id, timestamp, body or key changes", () => {
    const base = standardSignature(SECRET_A, MSG_ID, TS, EVENT_BODY);
    const variants = [
      standardSignature(SECRET_B, MSG_ID, TS, EVENT_BODY),
      standardSignature(SECRET_A, `${MSG_ID}x`, TS, EVENT_BODY),
      standardSignature(SECRET_A, MSG_ID, TS + 1, EVENT_BODY),
      standardSignature(SECRET_A, MSG_ID, TS, `${EVENT_BODY} `),
    ];
    expect(new Set([base, ...variants]).size).toBe(5);
  });

  test("writes v1, followed by the base64 of a 32-byte MAC", () => {
    const sig = standardSignature(SECRET_A, MSG_ID, TS, EVENT_BODY);
    expect(sig).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(sig.slice(3), "base64")).toHaveLength(32);
  });

  test.each([
    ["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "a secret without the whsec_ prefix"],
    ["whsec_", "a prefix with no key bytes after it"],
    ["", "an empty secret"],
  ])("refuses %p (%s)", (secret) => {
    expect(() => standardSignature(secret, MSG_ID, TS, EVENT_BODY)).toThrow(TypeError);
  });

  test.each([
    [1.5, "a fractional timestamp"],
    [-1, "a negative timestamp"],
    [Number.NaN, "NaN"],
    [1e21, "a timestamp past the safe integers"],
  ])("refuses timestamp %p (%s), which a receiver could not reproduce", (ts) => {
    expect(() => standardSignature(SECRET_A, MSG_ID, ts, EVENT_BODY)).toThrow(RangeError);
  });

  test.each(VECTORS)("is verified by the standardwebhooks library for $name", ({ secret, body }) => {
    const ts = nowSec();
    const wh = new Webhook(secret);
    const headers = {
      "webhook-id": MSG_ID,
      "webhook-timestamp": String(ts),
      "webhook-signature": standardSignature(secret, MSG_ID, ts, body),
    };
    expect(() => wh.verify(body, headers, { jsonParse: false })).not.toThrow();
  });

  test("agrees with the standardwebhooks library's own sign()", () => {
    const date = new Date(TS * 1000);
    for (const { secret, body } of VECTORS) {
      expect(standardSignature(secret, MSG_ID, TS, body)).toBe(new Webhook(secret).sign(MSG_ID, date, body));
    }
  });
});

describe("standardSignatureHeader", () => {
  test("writes one v1 entry per secret, space-separated, in the order given", () => {
    expect(standardSignatureHeader([SECRET_A, SECRET_B], MSG_ID, TS, EVENT_BODY)).toBe(
      "v1,SRSMbZpe65yka27bi/nTAosgALoASv4qeCOgYOluE/s= v1,w3KQQ4dP8v77xJfd+hBs1HmdbtnDSv697VufUaB+G2c=",
    );
    expect(standardSignatureHeader([SECRET_B, SECRET_A], MSG_ID, TS, EVENT_BODY)).toBe(
      "v1,w3KQQ4dP8v77xJfd+hBs1HmdbtnDSv697VufUaB+G2c= v1,SRSMbZpe65yka27bi/nTAosgALoASv4qeCOgYOluE/s=",
    );
  });

  test("writes a single entry for a single secret", () => {
    expect(standardSignatureHeader([SECRET_A], MSG_ID, TS, EVENT_BODY)).toBe(
      "v1,SRSMbZpe65yka27bi/nTAosgALoASv4qeCOgYOluE/s=",
    );
  });

  test("refuses an empty secret list rather than sending an unsigned event", () => {
    expect(() => standardSignatureHeader([], MSG_ID, TS, EVENT_BODY)).toThrow(RangeError);
  });

  test.each([
    ["the current secret", SECRET_A],
    ["the previous secret", SECRET_B],
  ])("a two-secret header verifies with %s in the standardwebhooks library", (_label, secret) => {
    const ts = nowSec();
    const headers = headersFor([SECRET_A, SECRET_B], MSG_ID, ts, EVENT_BODY);
    expect(new Webhook(secret).verify(EVENT_BODY, headers)).toEqual(JSON.parse(EVENT_BODY));
  });

  test("a two-secret header does not verify with a third secret", () => {
    const ts = nowSec();
    const headers = headersFor([SECRET_A, SECRET_B], MSG_ID, ts, EVENT_BODY);
    const stranger = `whsec_${Buffer.alloc(32, 0x42).toString("base64")}`;
    expect(() => new Webhook(stranger).verify(EVENT_BODY, headers)).toThrow("No matching signature found");
  });

  const changes: [string, { body?: string; msgId?: string; tsShift?: number }][] = [
    ["a changed body", { body: `${EVENT_BODY} ` }],
    ["a changed id", { msgId: "evt_other" }],
    ["a changed timestamp", { tsShift: 1 }],
  ];
  test.each(changes)("the standardwebhooks library rejects the header after %s", (_label, change) => {
    const ts = nowSec();
    const headers = headersFor([SECRET_A], MSG_ID, ts, EVENT_BODY);
    const sent = {
      ...headers,
      "webhook-id": change.msgId ?? MSG_ID,
      "webhook-timestamp": String(ts + (change.tsShift ?? 0)),
    };
    expect(() => new Webhook(SECRET_A).verify(change.body ?? EVENT_BODY, sent)).toThrow();
  });
});

describe("simpleSignature", () => {
  test.each(VECTORS)("matches the OpenSSL vector for $name", ({ secret, body, simple }) => {
    expect(simpleSignature(secret, body)).toBe(simple);
  });

  test("keys with the whole secret string, so dropping the whsec_ prefix gives another MAC", () => {
    const withoutPrefix = SECRET_A.slice("whsec_".length);
    expect(simpleSignature(withoutPrefix, EVENT_BODY)).not.toBe(simpleSignature(SECRET_A, EVENT_BODY));
  });

  test("writes 64 lowercase hex digits", () => {
    expect(simpleSignature(SECRET_B, UTF8_BODY)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("refuses an empty secret", () => {
    expect(() => simpleSignature("", EVENT_BODY)).toThrow(TypeError);
  });
});

describe("simpleSignatureHeader", () => {
  test("writes one hex entry per secret, comma-separated without spaces, newest first", () => {
    expect(simpleSignatureHeader([SECRET_B, SECRET_A], EVENT_BODY)).toBe(
      "ef60d647b7758ae36f61a59d81fdceaf6d05281fda07e557c4ed24838f0a6c6c,cc2cba6e69114f7c6b7f2d4bc0bf8079a240029ff510b8f80a0341000f01fa9f",
    );
    expect(simpleSignatureHeader([SECRET_A, SECRET_B], EVENT_BODY)).toBe(
      "cc2cba6e69114f7c6b7f2d4bc0bf8079a240029ff510b8f80a0341000f01fa9f,ef60d647b7758ae36f61a59d81fdceaf6d05281fda07e557c4ed24838f0a6c6c",
    );
  });

  test("writes a single entry for a single secret", () => {
    expect(simpleSignatureHeader([SECRET_A], "")).toBe(
      "3869a63cbe73c747431cf9ff4d38cbaa6ad6adb0541c4753e1c90f7b6920620f",
    );
  });

  test("refuses an empty secret list rather than sending an unsigned event", () => {
    expect(() => simpleSignatureHeader([], EVENT_BODY)).toThrow(RangeError);
  });
});
