/**
 * The connect-time address guard: decides which IP address one delivery
 * attempt connects to, and refuses internal destinations.
 *
 * The URL was checked when the endpoint was saved, but a name's DNS answer
 * can change at any time, so the check that matters happens here, once per
 * attempt: resolve the name, refuse if ANY address in the answer is blocked
 * (an attacker who controls the zone can put a public and a private address
 * side by side and let the client pick), and hand back one address from that
 * same answer. The HTTP client then connects to exactly that address and
 * never resolves the name again, so a rebinding DNS server cannot swap in an
 * internal address between the check and the connect.
 */
import { isIP } from "node:net";
import { lookup } from "node:dns/promises";
import { blockReasonForHost, blockReasonForIp, type BlockReason } from "../domain/address.ts";
import { unbracketHost } from "../domain/host.ts";

/** Resolves a host name to its addresses, like `dns.lookup(name, { all: true })`. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** The outcome of vetting one destination: the address to connect to, or why there is none. */
export type VetResult =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; code: "blocked_address" | "dns"; message: string };

/** The config key that lifts the guard, named in every refusal so the operator knows the way out. */
export const ALLOW_PRIVATE_KEY = "delivery.allow_private_networks";

const REASON_TEXT: Record<BlockReason, string> = {
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  private: "a private network address",
  shared_address_space: "a carrier-grade NAT (shared) address",
  link_local: "a link-local address",
  cloud_metadata: "the cloud metadata service address",
  unique_local: "a unique-local IPv6 address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address",
  documentation: "a documentation-only address",
  benchmarking: "a benchmarking-only address",
};

/** The system resolver: getaddrinfo through node:dns, every address of the name. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function refusal(host: string, address: string | null, reason: BlockReason): VetResult {
  const what = address === null || address === host ? `${host} is ${REASON_TEXT[reason]}` : `${host} resolves to ${address}, ${REASON_TEXT[reason]}`;
  return {
    ok: false,
    code: "blocked_address",
    message: `refused to connect: ${what} (${reason}); set ${ALLOW_PRIVATE_KEY} = true to allow it`,
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * Picks the address to connect to. IPv4 first when the answer has one: an
 * attempt makes a single connection (no happy-eyeballs fallback), and hosts
 * whose AAAA record exists but whose IPv6 route does not are far more common
 * than the reverse.
 */
function pick(answers: { address: string; family: 4 | 6 }[]): { address: string; family: 4 | 6 } {
  return answers.find((a) => a.family === 4) ?? answers[0]!;
}

/**
 * Resolves `url`'s host once and vets every address in the answer. An IP
 * literal host is used as is, without calling the resolver. With
 * `allowPrivate` nothing is refused, but the host is still resolved here so
 * that the connection goes to the address this attempt looked at.
 */
export async function vetDestination(url: URL, resolver: Resolver, allowPrivate: boolean): Promise<VetResult> {
  const host = unbracketHost(url.hostname);
  if (!allowPrivate) {
    const reason = blockReasonForHost(host);
    if (reason !== null) return refusal(host, null, reason);
  }
  const literal = isIP(host);
  if (literal !== 0) return { ok: true, address: host, family: literal === 6 ? 6 : 4 };

  let answers: { address: string; family: 4 | 6 }[];
  try {
    answers = await resolver(host);
  } catch (err) {
    return { ok: false, code: "dns", message: `could not resolve ${host}: ${describe(err)}` };
  }
  if (answers.length === 0) return { ok: false, code: "dns", message: `could not resolve ${host}: the answer had no addresses` };
  for (const { address } of answers) {
    const reason = blockReasonForIp(address);
    // A resolver that hands back something that is not an address is broken; never connect on its word.
    if (reason === undefined || isIP(address) === 0) {
      return { ok: false, code: "dns", message: `could not resolve ${host}: the answer contained "${address}", which is not an IP address` };
    }
    if (reason !== null && !allowPrivate) return refusal(host, address, reason);
  }
  return { ok: true, ...pick(answers) };
}
