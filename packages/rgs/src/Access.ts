/**
 * Authorisation as a capability. A use case that needs a permission takes a `Grant` of it, and the
 * only way to obtain a grant is `authorize`, which checks the actor's role against the matrix and
 * the actor's site against the target. So a use case cannot be called without the policy check:
 * the type system refuses it.
 *
 * Model (DOMAIN.md §2): permissions come from a role *and* a site. ANTS (national administrator)
 * acts everywhere; a prefecture operator on the communes of its département; a commune operator and
 * an agent on their own commune; an editor reads every commune (progress is public) and records
 * only on its client communes, which the onboarding domain checks against the contract.
 */
import { type Actor, Site, Problem } from "@comedec/actor";
import { InseeCode } from "@comedec/commune";
import { Effect, Schema } from "effect";

/** What can be asked of the platform. */
export const Permission = Schema.Literals([
  "commune.read",
  "commune.import",
  "onboarding.read",
  "onboarding.record",
  "convention.read",
  "convention.submit",
  "convention.process",
  "editor.read",
  "editor.manage",
  "dashboard.read",
  "agent.read",
  "agent.register",
  "agent.manage",
  "card.read",
  "card.order",
  "card.operate",
  "card.produce",
  "card.request",
  "card.validate",
  "audit.verify",
  "audit.export",
  "monitoring.read",
  "retention.purge",
  "appointment.plan",
  "specimen.upload",
  "exchange.read",
  "exchange.respond",
]);
/** What can be asked of the platform. */
export type Permission = typeof Permission.Type;

/** How far a role's permission reaches. */
export type Reach = "everywhere" | "own-site";

/** The authorisation matrix: for each permission, the roles that hold it and how far. Data, so the docs and the tests read it. */
export const matrix: Readonly<Record<Permission, Readonly<Partial<Record<Actor.Role, Reach>>>>> = {
  "commune.read": {
    "national-administrator": "everywhere",
    "prefecture-operator": "own-site",
    "commune-operator": "own-site",
    agent: "own-site",
    editor: "everywhere",
  },
  "commune.import": { "national-administrator": "everywhere" },
  "onboarding.read": {
    "national-administrator": "everywhere",
    "prefecture-operator": "own-site",
    "commune-operator": "own-site",
    agent: "own-site",
    editor: "everywhere",
  },
  "onboarding.record": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site", editor: "everywhere" },
  "convention.read": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  "convention.submit": { "national-administrator": "everywhere", "commune-operator": "own-site" },
  "convention.process": { "national-administrator": "everywhere" },
  "editor.read": {
    "national-administrator": "everywhere",
    "prefecture-operator": "everywhere",
    "commune-operator": "everywhere",
    agent: "everywhere",
    editor: "everywhere",
  },
  "editor.manage": { "national-administrator": "everywhere" },
  "dashboard.read": { "national-administrator": "everywhere", "prefecture-operator": "own-site" },
  // Registration authorities (AGAEC): the commune's responsable carte and délégué for their commune,
  // the prefecture for its own agents and, for the first two cards, its communes' (the use case
  // enforces that limit), ANTS everywhere.
  "agent.read": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  "agent.register": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  "agent.manage": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  // The card platform (PGCA): a site's operators (responsable carte, délégué; the prefecture for its
  // own agents and a commune's first two cards — the use cases enforce that limit) order and operate
  // its cards and validate its requests; ANTS has the cards produced and shipped; a holder reads
  // and requests for their own cards only (the use cases narrow "own-site" to "own cards").
  "card.read": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site", agent: "own-site" },
  "card.order": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  "card.operate": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site", agent: "own-site" },
  "card.produce": { "national-administrator": "everywhere" },
  "card.request": { agent: "own-site", "commune-operator": "own-site", "prefecture-operator": "own-site" },
  "card.validate": { "national-administrator": "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  // The audit trail: ANTS's auditor, who administers nothing (RGS role separation, rule
  // roles.separation), verifies the whole chain; a site's operators export what their site did.
  "audit.verify": { auditor: "everywhere" },
  "audit.export": { auditor: "everywhere", "prefecture-operator": "own-site", "commune-operator": "own-site" },
  // The RGS deadlines (revocations within 24 hours, CRL age): ANTS watches them, its auditor too.
  "monitoring.read": { "national-administrator": "everywhere", auditor: "everywhere" },
  // The retention purge runs daily in the worker; ANTS may run it on demand.
  "retention.purge": { "national-administrator": "everywhere" },
  // Hand-over appointments: ANTS organises them (DOMAIN.md §3, step 5); a prefecture plans its own.
  "appointment.plan": { "national-administrator": "everywhere", "prefecture-operator": "own-site" },
  // The connection test (DOMAIN.md §3, steps 10–11): the mairie (or ANTS for it) sends its specimen
  // file; the commune's agents fetch its requests; a response is taken from any of them, and its
  // signature decides whether it counts (an officer of the commune, with their signature card).
  "specimen.upload": { "national-administrator": "everywhere", "commune-operator": "own-site" },
  "exchange.read": { "commune-operator": "own-site", agent: "own-site" },
  "exchange.respond": { "commune-operator": "own-site", agent: "own-site" },
};

/**
 * What a machine account's token may do (`Tokens.Purpose`): read, report onboarding milestones (an
 * editor's software), import the reference communes, report card production (the manufacturer's
 * system), export a site's trail. Registering agents, ordering, operating, validating or revoking
 * cards, and processing conventions need a person logged in with their card.
 */
export const machinePermissions: ReadonlySet<Permission> = new Set<Permission>([
  "commune.read",
  "commune.import",
  "onboarding.read",
  "onboarding.record",
  "convention.read",
  "editor.read",
  "dashboard.read",
  "agent.read",
  "card.read",
  "card.produce",
  "audit.export",
  "monitoring.read",
]);

/** What a permission is exercised on. */
export type Target =
  | { readonly _tag: "nation" }
  | { readonly _tag: "departement"; readonly departement: string }
  | { readonly _tag: "commune"; readonly commune: string; readonly departement: string };

/** The target of a site of the directory: a commune (in its département), or a prefecture's département. */
export const siteTarget = (
  site: { readonly _tag: "commune"; readonly commune: string } | { readonly _tag: "prefecture"; readonly departement: string },
): Target =>
  site._tag === "commune"
    ? { _tag: "commune", commune: site.commune, departement: InseeCode.departementOf(site.commune as InseeCode.InseeCode) }
    : { _tag: "departement", departement: site.departement };

/** The whole country (listings, the editors list, imports). */
export const nation: Target = { _tag: "nation" };

declare const grantBrand: unique symbol;

/** Proof that `actor` holds `permission` on `target`. Only `authorize` makes one. */
export interface Grant<P extends Permission> {
  readonly [grantBrand]: P;
  readonly permission: P;
  readonly actor: Actor.Actor;
  readonly target: Target;
  /** Whether the grant reaches beyond the actor's own site (listings narrow to the site otherwise). */
  readonly reach: Reach;
}

/** The actor does not hold the permission, or not on this target. */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  {
    permission: Schema.String,
    role: Schema.String,
    site: Schema.String,
    reason: Schema.String,
  },
  Problem.annotation(403, "forbidden", "Not allowed for this role or site"),
) {}

const siteCovers = (site: Site.Site, target: Target): boolean => {
  switch (site._tag) {
    case "national":
      return true;
    case "prefecture":
      return target._tag !== "nation" && target.departement === site.departement;
    case "commune":
      return target._tag === "commune" && target.commune === site.commune;
    case "editor":
      return false;
  }
};

/** Whether the actor holds the permission on the target, and how far it reaches. */
export const check = (actor: Actor.Actor, permission: Permission, target: Target): Reach | undefined => {
  const reach = matrix[permission][actor.role];
  if (reach === undefined) return undefined;
  if (actor.credential === "machine-token" && !machinePermissions.has(permission)) return undefined;
  if (reach === "everywhere") return reach;
  // A listing over the nation is allowed to an own-site holder: the grant's reach narrows it.
  if (target._tag === "nation" || siteCovers(actor.site, target)) return reach;
  return undefined;
};

/** Checks the matrix and returns the grant, or fails with `Forbidden`. */
export const authorize = <P extends Permission>(actor: Actor.Actor, permission: P, target: Target): Effect.Effect<Grant<P>, Forbidden> => {
  const reach = check(actor, permission, target);
  if (reach === undefined) {
    const reason =
      matrix[permission][actor.role] === undefined
        ? `the role ${actor.role} does not hold ${permission}`
        : actor.credential === "machine-token" && !machinePermissions.has(permission)
          ? `a machine account's token does not hold ${permission}: log in with the card`
          : "outside the actor's site";
    return Effect.fail(new Forbidden({ permission, role: actor.role, site: Site.siteKey(actor.site), reason }));
  }
  return Effect.succeed({ permission, actor, target, reach } as unknown as Grant<P>);
};
