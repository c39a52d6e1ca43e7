/**
 * Throwaway certificates made with the openssl CLI, for TLS tests against
 * local servers: a test CA and, for 127.0.0.1 and hooks.test, a leaf it
 * signed, an expired leaf, a not-yet-valid leaf, and a self-signed one.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createTempDir } from "./temp-dir.ts";

/** One certificate and its private key, PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestPki {
  /** The test CA's certificate (PEM), and its file for NODE_EXTRA_CA_CERTS. */
  ca: string;
  caFile: string;
  /** Signed by the CA, valid now. */
  valid: KeyPair;
  /** Signed by the CA, valid only in January 2020. */
  expired: KeyPair;
  /** Signed by the CA, valid only from 2099. */
  notYetValid: KeyPair;
  /** Signed by its own key. */
  selfSigned: KeyPair;
  cleanup(): void;
}

const NAMES = "DNS:hooks.test,IP:127.0.0.1";

/** Generates a fresh PKI in a temp dir (about a second of openssl work). */
export function createTestPki(): TestPki {
  const dir = createTempDir("hookgate-pki-");
  const openssl = (...args: string[]) => {
    const run = Bun.spawnSync(["openssl", ...args], { cwd: dir.path, stdout: "pipe", stderr: "pipe" });
    if (run.exitCode !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${run.stderr.toString()}`);
  };
  const read = (file: string) => readFileSync(dir.join(file), "utf8");

  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=hookgate hostile-subscriber CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=hooks.test");
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.crt", "-days", "2", "-subj", "/CN=hooks.test",
    "-addext", `subjectAltName=${NAMES}`);

  // OpenSSL 3.0's `x509 -req` cannot set arbitrary validity dates; `openssl ca`
  // can (-startdate/-enddate), given a minimal database. All three leaves go
  // through it so they differ in their dates only.
  mkdirSync(dir.join("db"));
  writeFileSync(dir.join("db/index.txt"), "");
  writeFileSync(dir.join("db/index.txt.attr"), "unique_subject = no\n");
  writeFileSync(dir.join("db/serial"), "01\n");
  writeFileSync(dir.join("ca.cnf"), [
    "[ca]", "default_ca = d",
    "[d]", "dir = ./db", "database = $dir/index.txt", "serial = $dir/serial", "new_certs_dir = $dir", "default_md = sha256", "policy = p",
    "[p]", "commonName = supplied",
    "[leaf]", `subjectAltName = ${NAMES}`, "basicConstraints = CA:FALSE", "extendedKeyUsage = serverAuth",
  ].join("\n"));
  const sign = (out: string, dates: string[]) =>
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in", "leaf.csr", "-out", out, "-extensions", "leaf", ...dates);
  sign("valid.crt", ["-days", "2"]);
  sign("expired.crt", ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]);
  sign("future.crt", ["-startdate", "20990101000000Z", "-enddate", "20990201000000Z"]);

  const leafKey = read("leaf.key");
  return {
    ca: read("ca.crt"),
    caFile: dir.join("ca.crt"),
    valid: { cert: read("valid.crt"), key: leafKey },
    expired: { cert: read("expired.crt"), key: leafKey },
    notYetValid: { cert: read("future.crt"), key: leafKey },
    selfSigned: { cert: read("self.crt"), key: read("self.key") },
    cleanup: dir.cleanup,
  };
}
