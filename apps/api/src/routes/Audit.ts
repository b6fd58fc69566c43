/**
 * The audit trail over HTTP: ANTS's auditor verifies the whole hash chain (any modified, deleted
 * or reordered row is found) through the signed checkpoints, and a site's operators export what
 * actors of their site recorded, with each entry's links so an auditor can check them offline.
 */
import { Access, Audit } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

const SiteKey = Schema.String.check(
  Schema.isPattern(/^(national|commune:(\d{5}|2[AB]\d{3})|prefecture:(\d{2}|2A|2B|97[1-6]))$/, { message: "not a site key" }),
);

const targetOf = (site: string): Access.Target => {
  const [kind, code = ""] = site.split(":");
  if (kind === "commune") return Access.siteTarget({ _tag: "commune", commune: code });
  if (kind === "prefecture") return { _tag: "departement", departement: code };
  return Access.nation;
};

const verification = Endpoint.make({
  method: "get",
  path: "/audit/verification",
  tag: "audit",
  summary: "Recompute the whole hash chain of the event log, through its signed checkpoints, and say where it first breaks, if anywhere",
  handler: ({ actor }) => Effect.flatMap(Access.authorize(actor, "audit.verify", Access.nation), () => Audit.verifyTrail),
});

const checkpoints = Endpoint.make({
  method: "get",
  path: "/audit/checkpoints",
  tag: "audit",
  summary: "The signed checkpoints of the chain, with the platform's audit key to check them offline",
  handler: ({ actor }) =>
    Effect.gen(function* () {
      yield* Access.authorize(actor, "audit.verify", Access.nation);
      const signer = yield* Audit.CheckpointSigner;
      return { keyId: signer.keyId, publicKey: signer.publicKey, items: yield* Audit.AuditTrail.use((audit) => audit.checkpoints) };
    }),
});

const checkpoint = Endpoint.make({
  method: "post",
  path: "/audit/checkpoints",
  tag: "audit",
  summary: "Sign the chain's current head now (the platform also does it every hour)",
  status: 201,
  handler: ({ actor }) =>
    Effect.flatMap(Access.authorize(actor, "audit.verify", Access.nation), () => Effect.map(Audit.checkpoint, (signed) => ({ checkpoint: signed ?? null }))),
});

const trail = Endpoint.make({
  method: "get",
  path: "/audit/trail",
  tag: "audit",
  summary: "The entries recorded by actors of one site, oldest first, with their chain links (paginated by position)",
  query: Schema.Struct({
    site: SiteKey,
    after: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))),
    limit: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 5000 }))),
  }),
  handler: ({ actor, query }) =>
    Effect.gen(function* () {
      const grant = yield* Access.authorize(actor, "audit.export", targetOf(query.site));
      // Own-site holders export their own site only, even when asking for the nation.
      if (grant.reach === "own-site" && query.site === "national")
        return yield* new Access.Forbidden({ permission: "audit.export", role: actor.role, site: query.site, reason: "outside the actor's site" });
      const entries = yield* Audit.AuditTrail.use((audit) => audit.export(query.site, query.after ?? 0, query.limit ?? 1000));
      return { items: entries, next: entries.at(-1)?.position ?? null };
    }),
});

/** The audit endpoints. */
export const endpoints = [verification, trail, checkpoints, checkpoint];
