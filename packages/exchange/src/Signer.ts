/**
 * Who may sign a response (décret 2017-890, art. 41; DOMAIN.md §4): an *officier d'état civil* of
 * the commune that holds the act — the mayor, a deputy, or an agent under a delegation of the
 * mayor valid on the day of signing — active in the directory and granted the right to sign. An
 * *agent d'état civil* prepares responses; they never sign them.
 */
import { Agent } from "@comedec/agent";
import type { CalendarDate } from "@comedec/commune";
import { Schema } from "effect";
import { Problem } from "@comedec/actor";

/** A response the platform does not accept, the rule it breaks, and why in words. */
export class ResponseRejected extends Schema.TaggedError<ResponseRejected>()(
  "ResponseRejected",
  {
    rule: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation(422, "response-rejected", "The signed response is not accepted"),
) {}

/** The rules a signed response is held to, by id (what a rejection names). */
export const rules = {
  signature: "exchange.signature",
  signatureKey: "exchange.signature-key",
  certificate: "exchange.certificate",
  signingTime: "exchange.signing-time",
  content: "exchange.content",
  signerSite: "exchange.signer-site",
  signerProfile: "exchange.signer-profile",
  signerRight: "exchange.signer-right",
  signerStatus: "exchange.signer-status",
  delegation: "exchange.delegation",
} as const;

/** What the signer rules read of an agent of the directory. */
export const Candidate = Schema.Struct({
  id: Schema.String,
  status: Agent.Status,
  site: Agent.AgentSite,
  profile: Schema.optionalKey(Agent.Profile),
  rights: Schema.Array(Agent.Right),
});
export type Candidate = typeof Candidate.Type;

/** Why `agent` may not sign, on `day`, a response of `commune`; undefined when they may. */
export const refusal = (agent: Candidate, commune: string, day: CalendarDate.CalendarDate): ResponseRejected | undefined => {
  const reject = (rule: string, reason: string) => new ResponseRejected({ rule, reason });
  if (agent.status !== "active") return reject(rules.signerStatus, `the signer is ${agent.status} in the directory`);
  if (agent.site._tag !== "commune" || agent.site.commune !== commune) {
    return reject(
      rules.signerSite,
      `the signer is an officer of ${agent.site._tag === "commune" ? `commune ${agent.site.commune}` : "a prefecture"}, not of ${commune}`,
    );
  }
  const profile = agent.profile;
  if (profile?._tag !== "officer") return reject(rules.signerProfile, "an agent d'état civil prepares responses; only an officier d'état civil signs them");
  if (!agent.rights.includes("sign-responses")) return reject(rules.signerRight, "the signer is not granted the right to sign responses");
  const basis = profile.basis;
  if (basis._tag === "delegation" && (day < basis.from || day > basis.until)) {
    return reject(rules.delegation, `the delegation (arrêté ${basis.arrete}, ${basis.from} – ${basis.until}) was not valid on ${day}`);
  }
  return undefined;
};
