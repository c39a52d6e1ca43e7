/** The console's per-request variables, on top of the HTTP layer's. */
import type { HttpEnv } from "../http/deps.ts";
import type { Session } from "./session.ts";

export interface ConsoleEnv {
  Variables: HttpEnv["Variables"] & {
    /** Set by requireSession on every page behind the login. */
    session: Session;
  };
}
