/**
 * `twg doctor`'s checks in one fixed set and order, whatever the state, so
 * that a script finds every name in every run (a check that did not run is
 * `skip`, with why).
 *
 * @module
 */

/** One line of the report. */
export interface DoctorCheck {
  name: string;
  /** `skip`: not run, because another check's failure decides it (its detail says which). */
  status: "ok" | "warn" | "fail" | "skip";
  detail: string;
}

/** The stable names, in report order (the contract's, plus `method`, `config` and `client-id`). */
export const doctorCheckNames = [
  "credentials",
  "method",
  "token",
  "consent",
  "user",
  "site",
  "config",
  "client-id",
  "issuer",
  "server",
  "store",
  "upkeep",
  "keeper",
  "bitbucket",
  "agent",
  "version",
] as const;

/** What a check that did not report means. */
const absent: Record<string, Omit<DoctorCheck, "name">> = {
  // Reported only when config.json (or a variable) is wrong.
  config: { status: "ok", detail: "the settings (config.json, TWG_* variables) are readable" },
  issuer: { status: "skip", detail: "not checked: no issuer is known (see config)" },
  // Reported only when the issuer stated when the consent ends (issue 22).
  consent: { status: "ok", detail: "no absolute expiry known for the consent" },
};

/** `checks` in the fixed order, each name once; a missing one as {@link absent} says, else `skip`. */
export function everyCheck(checks: DoctorCheck[]): DoctorCheck[] {
  const known = doctorCheckNames as readonly string[];
  const ordered: DoctorCheck[] = doctorCheckNames.map((name) =>
    checks.find((check) => check.name === name) ??
      { name, ...(absent[name] ?? { status: "skip", detail: "not checked" }) }
  );
  // A check added later without a name here still shows, at the end.
  return [...ordered, ...checks.filter((check) => !known.includes(check.name))];
}
