/**
 * systemd readiness notification (the sd_notify protocol), spoken through
 * bun:ffi because Bun has no unix datagram sockets.
 *
 * The protocol: one datagram of newline-separated KEY=VALUE lines, sent to
 * the AF_UNIX socket named by $NOTIFY_SOCKET. A name starting with "/" is a
 * filesystem path; one starting with "@" lives in the abstract namespace,
 * where the "@" stands for a leading NUL byte. In the abstract namespace every
 * byte counted by the address length is part of the name, so the length must
 * be exact: padding it with NULs would address a different socket, which
 * nobody is listening on.
 *
 * libc is only opened when NOTIFY_SOCKET is set, so a host that never runs
 * under systemd (macOS, a musl container, a developer laptop) never loads it.
 * dlopen of a system library also works inside a `bun build --compile`
 * executable: nothing here depends on files shipped beside the binary.
 */
import { dlopen, FFIType, read } from "bun:ffi";
import { getSystemErrorName } from "node:util";

// Linux ABI values, the same on x86_64 and aarch64 (the targets Bun ships
// for); systemd itself only exists on Linux.
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const EINTR = 4;

// struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
const SUN_PATH_OFFSET = 2;
const SUN_PATH_SIZE = 108;

/** The environment sdNotify reads NOTIFY_SOCKET from. */
export type NotifyEnv = Readonly<Record<string, string | undefined>>;

function openLibc() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: {
      args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
      returns: FFIType.i64_fast,
    },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  }).symbols;
}

type Libc = ReturnType<typeof openLibc>;

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  try {
    libc = openLibc();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`sd_notify: cannot load libc.so.6 (glibc is required to notify systemd): ${reason}`, {
      cause: err,
    });
  }
  return libc;
}

// Read right after the failing call, before anything else can touch errno.
function lastErrno(c: Libc): number {
  const p = c.__errno_location();
  return p === null ? 0 : read.i32(p, 0);
}

function errnoError(syscall: string, errno: number, address: string): Error {
  const code = errno > 0 ? getSystemErrorName(-errno) : "EUNKNOWN";
  const err = new Error(`sd_notify: ${syscall}() to NOTIFY_SOCKET=${address} failed: ${code} (errno ${errno})`);
  return Object.assign(err, { code, errno, syscall });
}

/**
 * Builds the exact sockaddr_un for a NOTIFY_SOCKET value: a path keeps its
 * terminating NUL, an abstract name has no terminator and no padding.
 */
function encodeAddress(address: string): Uint8Array {
  const abstract = address.startsWith("@");
  if (!abstract && !address.startsWith("/")) {
    throw new Error(`sd_notify: NOTIFY_SOCKET=${address} is neither an absolute path nor an abstract "@" name`);
  }
  const name = new TextEncoder().encode(address);
  if (abstract) {
    name[0] = 0;
  } else if (name.includes(0)) {
    throw new Error("sd_notify: NOTIFY_SOCKET path contains a NUL byte");
  }
  const terminator = abstract ? 0 : 1;
  if (name.length + terminator > SUN_PATH_SIZE) {
    throw new Error(`sd_notify: NOTIFY_SOCKET=${address} is longer than a unix socket address allows`);
  }
  const addr = new Uint8Array(SUN_PATH_OFFSET + name.length + terminator);
  // sa_family_t is in host byte order; a Uint16Array writes exactly that.
  new Uint16Array(addr.buffer, 0, 1)[0] = AF_UNIX;
  addr.set(name, SUN_PATH_OFFSET);
  return addr;
}

/**
 * Sends `state` to $NOTIFY_SOCKET; false when it is unset, true once sent; throws (with `code`, `errno`, `syscall`) when it cannot be sent.
 */
export function sdNotify(state: string, env: NotifyEnv = process.env): boolean {
  const address = env.NOTIFY_SOCKET;
  if (!address) return false;
  if (state.length === 0) throw new Error("sd_notify: state must not be empty");

  const addr = encodeAddress(address);
  const message = new TextEncoder().encode(state);
  const c = loadLibc();

  // A fresh socket per message, as libsystemd does: notifications are rare,
  // and there is then no long-lived fd to leak into children or to go stale.
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket", lastErrno(c), address);
  try {
    for (;;) {
      const sent = Number(c.sendto(fd, message, message.length, MSG_NOSIGNAL, addr, addr.length));
      if (sent === message.length) return true;
      if (sent >= 0) {
        // A datagram is sent whole or not at all; anything else is a broken libc.
        throw new Error(`sd_notify: sendto() sent ${sent} of ${message.length} bytes`);
      }
      const errno = lastErrno(c);
      if (errno !== EINTR) throw errnoError("sendto", errno, address);
    }
  } finally {
    // Linux releases the fd even when close() reports an error, and an
    // unconnected datagram socket has nothing buffered to lose, so the
    // result carries no information worth acting on.
    c.close(fd);
  }
}

/** Tells systemd the service is ready (Type=notify) and sets the status line `systemctl status` shows. */
export function notifyReady(status: string, env: NotifyEnv = process.env): boolean {
  // A newline would start a new KEY=VALUE assignment inside the status text.
  return sdNotify(`READY=1\nSTATUS=${status.replace(/[\r\n]+/g, " ")}`, env);
}

/** Tells systemd an orderly shutdown has begun, so the drain is not taken for a hang. */
export function notifyStopping(env: NotifyEnv = process.env): boolean {
  return sdNotify("STOPPING=1", env);
}
