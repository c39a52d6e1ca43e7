/**
 * A receiving AF_UNIX datagram socket for tests, through bun:ffi (Bun has no
 * unix datagram sockets). It builds its own sockaddr_un instead of sharing
 * the code under test, so an address encoding bug there (a padded abstract
 * name, a missing NUL) cannot hide by being made twice.
 */
import { rmSync } from "node:fs";
import { dlopen, FFIType, read } from "bun:ffi";
import { getSystemErrorName } from "node:util";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const EINTR = 4;
const MAX_DATAGRAM = 64 * 1024;

function openLibc() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64_fast },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}

type Libc = ReturnType<typeof openLibc>;

let libc: Libc | undefined;

// Read right after the failing call, before anything else can touch errno.
function errno(c: Libc): number {
  const p = c.__errno_location();
  return p === null ? 0 : read.i32(p, 0);
}

function errnoError(call: string, e: number): Error {
  return new Error(`unix-dgram: ${call}() failed: ${e > 0 ? getSystemErrorName(-e) : "unknown"} (errno ${e})`);
}

// sun_family (2 bytes, host order) then the name: a path with its NUL, an
// abstract name ("@" → NUL) with exactly its own length.
function sockaddr(address: string): Uint8Array {
  const bytes = new TextEncoder().encode(address);
  const abstract = address.startsWith("@");
  if (abstract) bytes[0] = 0;
  const addr = new Uint8Array(2 + bytes.length + (abstract ? 0 : 1));
  new Uint16Array(addr.buffer, 0, 1)[0] = AF_UNIX;
  addr.set(bytes, 2);
  return addr;
}

/** A bound datagram socket that collects what is sent to it. */
export interface DgramReceiver {
  readonly address: string;
  /** Waits up to `timeoutMs` for one datagram; throws when none arrives. */
  receive(timeoutMs?: number): Promise<Uint8Array>;
  /** One datagram if one is already queued, else null. */
  tryReceive(): Uint8Array | null;
  /** Closes the socket and removes its file, if it has one. */
  close(): void;
}

/** Binds a receiving AF_UNIX datagram socket at a path or an "@" abstract name. */
export function openDgramReceiver(address: string): DgramReceiver {
  libc ??= openLibc();
  const c = libc;
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket", errno(c));
  const addr = sockaddr(address);
  if (c.bind(fd, addr, addr.length) !== 0) {
    const err = errnoError("bind", errno(c));
    c.close(fd);
    throw err;
  }

  let closed = false;
  const buf = new Uint8Array(MAX_DATAGRAM);

  const tryReceive = (): Uint8Array | null => {
    for (;;) {
      const n = Number(c.recv(fd, buf, buf.length, MSG_DONTWAIT));
      if (n >= 0) return buf.slice(0, n);
      const e = errno(c);
      if (e === EAGAIN) return null;
      if (e !== EINTR) throw errnoError("recv", e);
    }
  };

  return {
    address,
    tryReceive,
    async receive(timeoutMs = 3000) {
      // Polling with a deadline: bounded, and nothing to wire into the event loop.
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const got = tryReceive();
        if (got) return got;
        if (performance.now() >= deadline) {
          throw new Error(`unix-dgram: nothing received on ${address} within ${timeoutMs}ms`);
        }
        await Bun.sleep(5);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      c.close(fd);
      if (!address.startsWith("@")) rmSync(address, { force: true });
    },
  };
}
