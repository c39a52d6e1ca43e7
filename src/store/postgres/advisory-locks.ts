/**
 * The advisory locks hookgate takes, as (namespace, key) pairs: the
 * namespace keeps them apart from any other application's on one database.
 */
export const LOCKS = {
  /** "hook" in ASCII. */
  namespace: 0x686f6f6b,
  /** Migrating the schema: one process at a time, the others then find it current. */
  migrate: 1,
  /** Claiming due work: claims take turns, so every endpoint's live leases are counted exactly. */
  claim: 2,
} as const;
