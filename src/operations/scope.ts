/**
 * What a principal may see and do, decided here once for every operation.
 * For the admin everything is in scope. A tenant principal (when it comes)
 * sees only its own tenant: its lists are filtered to it, another tenant's
 * ids are NotFound, naming another tenant is Invalid, and admin-only
 * operations are Forbidden.
 */
import type { Principal } from "./principal.ts";

/** The tenant filter a list runs with: the one asked for, narrowed to the principal's scope. */
export function tenantFilter(principal: Principal, asked: string | undefined): string | undefined {
  switch (principal.kind) {
    case "admin":
      return asked;
  }
}

/** The tenant a new record of the principal's goes to: the one given, which a tenant principal may only name as its own. */
export function tenantForNew(principal: Principal, given: string): string {
  switch (principal.kind) {
    case "admin":
      return given;
  }
}

/** True when the principal may see a record of this tenant; callers answer NotFound otherwise, so ids do not leak. */
export function canSee(principal: Principal, record: { tenant: string }): boolean {
  switch (principal.kind) {
    case "admin":
      return true;
  }
}

/** Returns for the admin; a tenant principal will get Forbidden here. For ingest and other admin-only operations. */
export function requireAdmin(principal: Principal): void {
  switch (principal.kind) {
    case "admin":
      return;
  }
}
