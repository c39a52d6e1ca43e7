/**
 * fast-check arbitraries for hostile requests: malformed JSON, JSON that is
 * not an object, objects spoiled by an unknown field or one bad value, deep
 * nesting, prototype keys, odd unicode, bad path segments, bad query strings
 * and bad Authorization headers.
 *
 * JSON bodies are built as text, not as values, so they can carry what
 * JSON.stringify cannot write: a "__proto__" key, a number too large for a
 * double, a lone surrogate escape.
 *
 * Every "spoiled" arbitrary yields something the API must refuse whatever
 * else the request holds; the tests rely on that to keep valid requests out.
 */
import fc from "fast-check";

/** Characters that break naive string handling: NUL, bidi overrides, lone surrogates, separators, quotes. */
export const ODD_CHARS = [
  "\u0000",
  "\u0001",
  "\u007f",
  "\u202e", // RIGHT-TO-LEFT OVERRIDE
  "\u200f", // RIGHT-TO-LEFT MARK
  "\u200b",
  "\ufeff",
  "\ud800", // lone high surrogate
  "\udfff", // lone low surrogate
  "\uffff",
  "\u0085",
  "\u2028",
  "\u{1f600}",
  "e\u0301",
  "\\",
  '"',
  "'",
  "%",
  "../",
  "\r\n",
  "\t",
  " ",
  "<script>",
  "${x}",
];

/** Short strings mixing the odd characters with arbitrary code points. */
export const oddString: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...ODD_CHARS), fc.string({ unit: "binary", maxLength: 6 }), fc.string({ maxLength: 6 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(""));

/** A JSON text for `value` (JSON.stringify writes a lone surrogate as a \u escape). */
export const json = (value: unknown): string => JSON.stringify(value);

/** `{ "k": <v>, … }` from keys and value texts, in order; keys are written with JSON.stringify. */
export function objectText(entries: readonly (readonly [string, string])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
}

/** True when the server would parse `text` as JSON (it decodes bodies as UTF-8 and drops a leading BOM). */
export function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text.replace(/^\ufeff/, ""));
    return true;
  } catch (err) {
    if (err instanceof SyntaxError) return false;
    throw err;
  }
}

/**
 * Whether `text` opens more than `limit` objects or arrays inside each other,
 * not counting brackets inside strings. The test's own oracle, written apart
 * from the API's check so that one cannot hide a mistake in the other.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let max = 0;
  // Strings (with their escapes) are blanked out first; what is left is structure.
  const structure = text.replace(/"(?:[^"\\]|\\[\s\S])*"?/g, "");
  for (const ch of structure) {
    if (ch === "[" || ch === "{") max = Math.max(max, ++depth);
    else if (ch === "]" || ch === "}") depth--;
  }
  return max > limit;
}

/** `n` arrays inside each other. */
export const nestedArrays = (n: number): string => "[".repeat(n) + "]".repeat(n);
/** `n` objects inside each other, `{"a":{"a":…1}}`. */
export const nestedObjects = (n: number): string => '{"a":'.repeat(n) + "1" + "}".repeat(n);

/** JSON nested past the API's 128 levels, up to the 10,000 the issue asks for. */
export const tooDeep: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 129, max: 10_000 }).map(nestedArrays),
  fc.integer({ min: 129, max: 5_000 }).map(nestedObjects),
  fc.constant(nestedArrays(10_000)),
);

/**
 * Values that are refused wherever they stand in a body, even inside free
 * JSON such as event `data` or endpoint `metadata`: a lone surrogate, a
 * number beyond a double, a "__proto__" key, nesting past the limit.
 */
export const refusedAnywhere: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("\ud800", "\udfff", "a\udc00b", "\udbff\ud800").map(json),
  fc.constantFrom("1e400", "-1e400", "9".repeat(400), "1E999"),
  fc.constantFrom('{"__proto__":{"polluted":true}}', '{"\\u005f_proto__":1}', '{"a":{"__proto__":[]}}', '[{"__proto__":null}]'),
  tooDeep,
);

/** Any JSON value as text, small; valid or not for a given field. */
export const anyJsonText: fc.Arbitrary<string> = fc.jsonValue({ maxDepth: 3 }).map(json);

/** JSON that is well-formed but not an object: arrays, scalars, huge arrays and strings, deep arrays. */
export const notAnObject: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("null", "true", "false", "0", "-0", "1e308", '""', '"{}"', "[]", "[{}]", '"null"'),
  fc.jsonValue({ maxDepth: 3 }).filter((v) => v === null || typeof v !== "object" || Array.isArray(v)).map(json),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => `[${"1,".repeat(n)}1]`),
  fc.integer({ min: 1_000, max: 50_000 }).map((n) => json("x".repeat(n))),
  tooDeep,
);

/** Text that is not JSON at all: garbage, cut-off and corrupted JSON, the usual near-misses. */
export function malformedJson(validLooking: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom(
        "{",
        "}",
        "{]",
        '{"a":1,}',
        "{'a':1}",
        "{a:1}",
        '{"a":NaN}',
        '{"a":Infinity}',
        '{"a":undefined}',
        '{"a":0x10}',
        '{"a":01}',
        '{"a":+1}',
        '{"a":.5}',
        '{"a":"unterminated}',
        '{"a":"raw \u0001 control"}',
        '{"a":"bad \\x escape"}',
        '{"a":"\\u12"}',
        "{}{}",
        "{} x",
        "// comment\n{}",
        "/* c */ {}",
        "\ufeff\ufeff{}",
        "\u0000{}",
        '{"a" 1}',
        '{"a":1 "b":2}',
        "[[[[[[[[[[",
        "nul",
        "tru",
        "\u00a0{}", // a no-break space is not JSON whitespace
      ),
      fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
      fc.string({ minLength: 1, maxLength: 40 }),
      // A valid-looking body cut short or with one structural character spliced in.
      fc.tuple(validLooking, fc.nat(), fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "\u0000")).map(([text, at, ch]) => {
        const i = at % Math.max(1, text.length);
        return at % 2 === 0 ? text.slice(0, i) : text.slice(0, i) + ch + text.slice(i);
      }),
    )
    .filter((text) => text.trim() !== "" && !parsesAsJson(text));
}

/** What one field of a body accepts and what it refuses, as JSON texts. */
export interface FieldSpec {
  /** Values that may or may not be valid: used around a spoiler, never as one. */
  filler: fc.Arbitrary<string>;
  /** Values the API must refuse in this field. */
  bad: fc.Arbitrary<string>;
}

/** Keys no body of the API knows, including the prototype-related ones and odd unicode. */
export function unknownKey(known: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "toString",
        "valueOf",
        "hasOwnProperty",
        "__defineGetter__",
        "",
        " ",
        "id",
        "state",
        "created_at",
        "URL",
        "Type",
        "url ",
        " type",
        "\u202eurl",
        "url\u0000",
        "\ud800",
        "secret\u200b",
      ),
      oddString,
      fc.string({ minLength: 1, maxLength: 12 }),
    )
    .filter((k) => !known.includes(k));
}

/**
 * An object body with at least one spoiler: an unknown key, a known field
 * with a bad value, or a refused-anywhere value in any field. Other known
 * fields are filled at random around it; no key appears twice (JSON.parse
 * would keep the last one, which could hide the spoiler).
 */
export function spoiledObject(fields: Record<string, FieldSpec>): fc.Arbitrary<string> {
  const known = Object.keys(fields);
  const badEntry: fc.Arbitrary<[string, string]>[] = [
    fc.tuple(unknownKey(known), fc.oneof(anyJsonText, refusedAnywhere)),
  ];
  if (known.length > 0) {
    const key = fc.constantFrom(...known);
    badEntry.push(key.chain((k) => fc.tuple(fc.constant(k), fields[k]!.bad)));
    badEntry.push(fc.tuple(key, refusedAnywhere));
  }
  const fillers = known.length === 0 ? fc.constant([]) : fc.subarray(known).chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), fields[k]!.filler))));
  return fc
    .tuple(fillers, fc.array(fc.oneof(...badEntry), { minLength: 1, maxLength: 3 }), fc.nat())
    .map(([fill, spoilers, at]) => {
      const entries = new Map<string, string>(fill as [string, string][]);
      for (const [k, v] of spoilers) {
        entries.delete(k); // re-inserted below, so the spoiler's value is the one kept
        entries.set(k, v);
      }
      const list = [...entries];
      // Move the first entry somewhere else, so spoilers are not always last.
      if (list.length > 1) list.splice(at % list.length, 0, list.shift()!);
      return objectText(list);
    });
}

/**
 * A path segment for an id that does not exist: well-formed ids never
 * issued, near-misses of real ids, prototype names, odd unicode, broken
 * percent-encoding, very long ids. A segment the URL parser would normalise
 * away ("." or "..", in any spelling) is left out: that is another route.
 */
export function unknownIdSegment(realIds: readonly string[]): fc.Arbitrary<string> {
  const real = fc.constantFrom(...realIds);
  const raw = fc.oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "toString", "null", "undefined", "0", "-1", "NaN", "ep_", "evt_", "dlv_", "att_", "req_x", "*", "%", "%zz", "%ED%A0%80", "%00", "%E2%80%AE", "%2F", "a%2Fb", "%C0%AE"),
    fc.tuple(fc.constantFrom("ep", "evt", "dlv", "att", "req"), fc.ulid()).map(([p, u]) => `${p}_${u}`),
    fc
      .tuple(real, fc.nat())
      .map(([id, n]) => [id.toLowerCase(), `${id}x`, id.slice(0, -1), ` ${id}`, `${id}\u0000`, `${id}/`, id.replace(/^[a-z]+_/, "evt_"), id.replace(/^[a-z]+_/, "dlv_"), id.replace(/^[a-z]+_/, "ep_")][n % 9]!)
      .filter((s) => !realIds.includes(s))
      .map(encodeSegment),
    fc.integer({ min: 200, max: 5_000 }).map((n) => `ep_${"A".repeat(n)}`),
    oddString.map(encodeSegment),
  );
  return raw.filter((seg) => seg !== "" && staysOneSegment(seg) && !realIds.includes(safeDecode(seg)));
}

/** Percent-encodes `s`; a lone surrogate (which encodeURIComponent refuses) becomes the bytes of U+FFFD. */
export function encodeSegment(s: string): string {
  return encodeURIComponent(s.toWellFormed());
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch (err) {
    if (err instanceof URIError) return seg;
    throw err;
  }
}

function staysOneSegment(seg: string): boolean {
  const path = `/v1/endpoints/${seg}/x`;
  return new URL(path, "http://h").pathname === path;
}

/** One query parameter: what it accepts at random, and what it must refuse. */
export interface ParamSpec {
  filler: fc.Arbitrary<string>;
  bad: fc.Arbitrary<string>;
}

/**
 * A query string (with "?") holding at least one spoiler: a known parameter
 * with a bad value, an unknown parameter, or a known one given twice. Keys
 * and values are percent-encoded; raw fragments ("&&", "=", "%zz") that can
 * only add parameters are sprinkled in. "#" is never written raw: it would
 * end the query and could cut the spoiler off.
 */
export function spoiledQuery(params: Record<string, ParamSpec>): fc.Arbitrary<string> {
  const known = Object.keys(params);
  const key = fc.constantFrom(...known);
  const spoiler: fc.Arbitrary<[string, string][]> = fc.oneof(
    key.chain((k) => params[k]!.bad.map((v): [string, string][] => [[k, v]])),
    fc.tuple(unknownKey(known), fc.oneof(oddString, fc.string())).map(([k, v]): [string, string][] => [[k, v]]),
    key.chain((k) => fc.tuple(params[k]!.filler, params[k]!.filler).map(([a, b]): [string, string][] => [[k, a], [k, b]])),
  );
  const fillers = fc.subarray(known).chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), params[k]!.filler))));
  const noise = fc.array(fc.constantFrom("", "&", "=", "%zz", "%", "%E2%80%AE", "%00", "+"), { maxLength: 3 });
  return fc.tuple(fillers, fc.array(spoiler, { minLength: 1, maxLength: 2 }), noise, fc.nat()).map(([fill, spoilers, extra, at]) => {
    const spoiled = spoilers.flat();
    const spoiledKeys = new Set(spoiled.map(([k]) => k));
    // A filler for a key the spoiler uses would make that key repeated: still refused, but keep each case one clear mistake.
    const pairs = [...(fill as [string, string][]).filter(([k]) => !spoiledKeys.has(k)), ...spoiled].map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`);
    if (pairs.length > 1) pairs.splice(at % pairs.length, 0, pairs.shift()!);
    return `?${[...pairs, ...extra].join("&")}`;
  });
}

/**
 * Authorization header values that must not be accepted for `token`: none
 * at all (null), other schemes, near-misses of the token, random bytes.
 * Only values a Headers object takes are produced.
 */
export function badAuthorization(token: string): fc.Arbitrary<string | null> {
  const nearMiss = fc.nat().map((n) => {
    const variants = [
      `${token}x`,
      token.slice(0, -1),
      token.slice(1),
      token.toUpperCase(),
      `x${token.slice(1)}`, // only the first character differs
      `${token.slice(0, -1)}${token.endsWith("x") ? "y" : "x"}`, // only the last character differs
      token.slice(0, 10),
      `${token} ${token}`,
      `"${token}"`,
    ];
    return variants[n % variants.length]!;
  });
  return fc
    .oneof(
      fc.constant(null),
      nearMiss.map((t) => `Bearer ${t}`),
      fc.constantFrom(`Basic ${btoa(`admin:${token}`)}`, `Token ${token}`, `Bearer${token}`, `Bearer\t${token}`, `Bearer: ${token}`, "Bearer", "Bearer ", "", `${token}`, `Bearer Bearer ${token}`),
      fc.string({ unit: "binary-ascii", maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc.string({ unit: "binary-ascii", maxLength: 80 }),
    )
    .filter((h) => h === null || (isHeaderValue(h) && !acceptedAs(h, token)));
}

/** Whether the admin-auth middleware would take `header` as `token` (mirrors its pattern, on the value as Headers stores it). */
function acceptedAs(header: string, token: string): boolean {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(header.trim())?.[1] === token;
}

function isHeaderValue(value: string): boolean {
  try {
    new Headers({ x: value });
    return true;
  } catch (err) {
    if (err instanceof TypeError) return false;
    throw err;
  }
}
