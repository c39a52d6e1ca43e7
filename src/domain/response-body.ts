/**
 * A subscriber's response body as text: itself when it is valid UTF-8,
 * otherwise base64, so binary or broken bodies survive a trip through JSON
 * or HTML intact and every face shows the same thing.
 */

// ignoreBOM: a leading byte-order mark is part of the bytes received and stays in the text.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export type ResponseBodyText = { body: string; encoding: "utf8" | "base64" } | { body: null; encoding: null };

/** The body as text and which encoding that text is in; both null when there was no body. */
export function responseBodyText(bytes: Uint8Array | null): ResponseBodyText {
  if (bytes === null) return { body: null, encoding: null };
  try {
    return { body: strictUtf8.decode(bytes), encoding: "utf8" };
  } catch (err) {
    if (!(err instanceof TypeError)) throw err; // TypeError is the decoder's "not UTF-8"
    return { body: Buffer.from(bytes).toString("base64"), encoding: "base64" };
  }
}
