/**
 * Handlers of the audit trail: ANTS's auditor verifies the whole hash chain (any modified, deleted
 * or reordered row is found) through the signed checkpoints, and a site's operators export what
 * actors of their site recorded, with each entry's links (or its inclusion proof against the latest
 * published checkpoint) so an auditor can check them offline.
 * An export is authorised on the nation by the contract, then here on the site it names.
 */
import type { Actor } from "@comedec/actor";
import { Contract } from "@comedec/http-contract";
import { Access, Audit } from "@comedec/rgs";
import { Effect, Stream } from "effect";
import * as Handler from "../Handler.js";

const { Audit: Endpoints } = Contract;

/** The target of a site key of the trail. */
const targetOf = (site: string): Access.Target => {
  const [kind, code = ""] = site.split(":");
  if (kind === "commune") return Access.siteTarget({ _tag: "commune", commune: code });
  if (kind === "prefecture") return { _tag: "departement", departement: code };
  return Access.nation;
};

const verification = Handler.handle(Endpoints.verification, () => Audit.verifyTrail);

const checkpoints = Handler.handle(Endpoints.checkpoints, () =>
  Effect.gen(function* () {
    const signer = yield* Audit.CheckpointSigner;
    return { keyId: signer.keyId, publicKey: signer.publicKey, items: yield* Audit.AuditTrail.use((audit) => audit.checkpoints) };
  }),
);

const published = Handler.handle(Endpoints.published, () =>
  Effect.gen(function* () {
    const signer = yield* Audit.CheckpointSigner;
    const items = yield* (yield* Audit.CheckpointPublication).read;
    return { keyId: signer.keyId, publicKey: signer.publicKey, items: items.map(({ frontier: _frontier, leaves: _leaves, ...checkpoint }) => checkpoint) };
  }),
);

const checkpoint = Handler.handle(Endpoints.checkpoint, () => Effect.map(Audit.checkpoint, (signed) => ({ checkpoint: signed ?? null })));

/** The export grant on the site a query names: own-site holders export their own site only, even when asking for the nation. */
const exportGrant = (actor: Actor.Actor, site: string) =>
  Effect.gen(function* () {
    const grant = yield* Access.authorize(actor, "audit.export", targetOf(site));
    if (grant.reach === "own-site" && site === "national")
      return yield* new Access.Forbidden({ permission: "audit.export", role: actor.role, site, reason: "outside the actor's site" });
    return grant;
  });

const trail = Handler.handle(Endpoints.trail, ({ actor, query }) =>
  Effect.gen(function* () {
    yield* exportGrant(actor, query.site);
    const entries = yield* Audit.AuditTrail.use((audit) => audit.export(query.site, query.after ?? 0, query.limit ?? 1000));
    return { items: entries, next: entries.at(-1)?.position ?? null };
  }),
);

// Streamed: a site's export with its proofs is some 100 MB for 100,000 entries, written as it is read.
const provenTrail = Handler.handleStreamed(Endpoints.provenTrail, ({ actor, query }) =>
  Effect.gen(function* () {
    yield* exportGrant(actor, query.site);
    const signer = yield* Audit.CheckpointSigner;
    const proven = yield* Audit.exportProvenStream(query.site);
    return new Handler.Streamed(
      { publicKey: signer.publicKey, checkpoint: proven?.checkpoint ?? null },
      "entries",
      Endpoints.ProvenEntry,
      proven?.entries ?? Stream.empty,
    );
  }),
);

/** The handlers of the group. */
export const handlers = [verification, trail, provenTrail, checkpoints, checkpoint, published];
