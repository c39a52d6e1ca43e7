import pkg from "../package.json" with { type: "json" };

// `bun run build` replaces this identifier with the version plus the git
// commit; from source it is undefined and the package version is used.
declare const HOOKGATE_BUILD_VERSION: string | undefined;

/** The version hookgate reports in `version`, the user-agent and /metrics. */
export const VERSION: string =
  typeof HOOKGATE_BUILD_VERSION === "string" ? HOOKGATE_BUILD_VERSION : `${pkg.version}-dev`;
