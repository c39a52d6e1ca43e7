/**
 * This process's node id: the owner name on the leases it takes. A process
 * takes back its own leases at start (its attempts then are dead), and
 * leaves everyone else's alone until they expire.
 *
 * With PostgreSQL a restarted process must know its leases again, so the id
 * is made once into <data_dir>/node-id (0600) and read back on later starts;
 * the data dir is locked, so no two live processes share it. With SQLite
 * one process holds the whole database and every lease found at start is a
 * dead run's, so an id per run (daemon.ts) is enough.
 */
import { join } from "node:path";
import { readOrCreate } from "./generated-secrets.ts";

export const NODE_ID_FILE = "node-id";

/** What the generated ids look like; a file may also hold a name of the operator's own in these characters. */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ResolvedNodeId {
  id: string;
  file: string;
  /** True when it was made now (a first start on this data dir). */
  generated: boolean;
}

/** The node id in <dataDir>/node-id, made from 16 random bytes and written there (0600) when the file is missing. */
export function resolveNodeId(dataDir: string, randomBytes: (n: number) => Uint8Array): ResolvedNodeId {
  const resolved = readOrCreate(join(dataDir, NODE_ID_FILE), () => `node_${Buffer.from(randomBytes(16)).toString("hex")}`, isNodeId);
  return { id: resolved.value, file: resolved.file!, generated: resolved.generated };
}

/** True for a name resolveNodeId accepts from its file. */
export function isNodeId(text: string): boolean {
  return NODE_ID.test(text);
}
