/**
 * Authorisation as a capability. A use case that needs a permission takes a `Grant` of it, and the
 * only way to obtain a grant is `authorize`, which checks the actor's role against the matrix and
 * the actor's site against the target. So a use case cannot be called without the policy check:
 * the type system refuses it, and at run time `require` refuses anything `authorize` did not make
 * (a grant is an instance of a class private to this module, so a cast or a copy is not one).
 * The target's kind is in the grant's type, and `covers` checks that a record the use case loads
 * lies within the grant's target: an API authorises on its route, the use case on what it found.
 *
 * Model (DOMAIN.md §2): permissions come from a role *and* a site. ANTS (national administrator)
 * acts everywhere, and its own site (its agents and their cards) is reached by no one else; a prefecture operator on the communes of its département; a commune operator and
 * an agent on their own commune; an editor reads every commune (progress is public) and records
 * only on its client communes, which the onboarding domain checks against the contract.
 */
import { Actor, Site, Problem } from "@comedec/actor";
import { InseeCode } from "@comedec/commune";
import { Effect, Predicate, Schema } from "effect";

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
  "audit.checkpoint",
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
  // Signing the chain's head on demand (the worker does it hourly) writes a checkpoint: a state
  // change, so ANTS's administrators hold it and the auditor, who changes nothing, does not. A
  // checkpoint only fixes what is already in the chain: it hides nothing from the auditor.
  "audit.checkpoint": { "national-administrator": "everywhere" },
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

/** The whole country: listings, the editors list, imports. */
export interface NationTarget {
  readonly _tag: "nation";
}
/** A département: a prefecture's site, or a listing over it. */
export interface DepartementTarget {
  readonly _tag: "departement";
  readonly departement: string;
}
/**
 * The national operator's own site (ANTS): its own agents and cards. It lies within the nation
 * only, so no prefecture or commune reaches it, and a listing's nation-wide shortcut for an
 * own-site holder never applies to it.
 */
export interface NationalSiteTarget {
  readonly _tag: "national-site";
}
/** A commune, in its département. */
export interface CommuneTarget {
  readonly _tag: "commune";
  readonly commune: string;
  readonly departement: string;
}

/** What a permission is exercised on. */
export type Target = NationTarget | NationalSiteTarget | DepartementTarget | CommuneTarget;

/** The kinds of target: `nation`, `national-site`, `departement`, `commune`. */
export type TargetKind = Target["_tag"];

interface TargetsByKind {
  readonly nation: NationTarget;
  readonly "national-site": NationalSiteTarget;
  readonly departement: DepartementTarget;
  readonly commune: CommuneTarget;
}

/** The target of one kind: `Extract<Target, { _tag: K }>`, written so a grant is covariant in its kind. */
export type TargetOf<K extends TargetKind> = TargetsByKind[K];

/** A site of the directory: a commune, the prefecture of a département, or the national operator's own. */
export type DirectorySite =
  | { readonly _tag: "commune"; readonly commune: string }
  | { readonly _tag: "prefecture"; readonly departement: string }
  | { readonly _tag: "national" };

/** The target kind of a site of the directory: a commune's is `commune`, a prefecture's `departement`, ANTS's `national-site`. */
export type SiteTargetKind<S extends DirectorySite> = S extends { readonly _tag: "commune" }
  ? "commune"
  : S extends { readonly _tag: "prefecture" }
    ? "departement"
    : "national-site";

/** The target of a commune, in its département. */
export const communeTarget = (commune: string): CommuneTarget => ({
  _tag: "commune",
  commune,
  departement: InseeCode.departementOf(commune as InseeCode.InseeCode),
});

/** The target of a département. */
export const departementTarget = (departement: string): DepartementTarget => ({ _tag: "departement", departement });

/** The national operator's own site. */
export const nationalSite: NationalSiteTarget = { _tag: "national-site" };

/** The target of a site of the directory: a commune (in its département), a prefecture's département, or ANTS's own site. */
export const siteTarget = <S extends DirectorySite>(site: S): TargetOf<SiteTargetKind<S>> =>
  (site._tag === "commune" ? communeTarget(site.commune) : site._tag === "prefecture" ? departementTarget(site.departement) : nationalSite) as TargetOf<
    SiteTargetKind<S>
  >;

/** The whole country (listings, the editors list, imports). */
export const nation: NationTarget = { _tag: "nation" };

/** Whether `inner` lies within `outer`: a commune within itself, its département and the nation; ANTS's site within itself and the nation. */
export const within = (inner: Target, outer: Target): boolean => {
  switch (outer._tag) {
    case "nation":
      return true;
    case "national-site":
      return inner._tag === "national-site";
    case "departement":
      return (inner._tag === "departement" || inner._tag === "commune") && inner.departement === outer.departement;
    case "commune":
      return inner._tag === "commune" && inner.commune === outer.commune;
  }
};

/**
 * The platform itself, acting on its own (a PIN blocked on the third wrong try, a card replaced, a
 * renewal requested before expiry): a typed actor of its own credential, which no login issues.
 */
export const platform: Actor.Actor = Actor.platform;

/** Whether the actor is the platform itself. */
export const isPlatform: (actor: Actor.Actor) => boolean = Actor.isPlatform;

declare const grantBrand: unique symbol;

/** Proof that `actor` holds `permission` on `target`, a target of kind `K`. Only `authorize` makes one. */
export interface Grant<P extends Permission, out K extends TargetKind = TargetKind> {
  readonly [grantBrand]: P;
  readonly permission: P;
  readonly actor: Actor.Actor;
  readonly target: TargetOf<K>;
  /** Whether the grant reaches beyond the actor's own site (listings narrow to the site otherwise). */
  readonly reach: Reach;
}

// The one class of grants, private to this module: `#policy` cannot be read, written or copied
// from outside, so `isGrant` tells a grant the policy made from any look-alike object.
class PolicyGrant {
  readonly #policy = true;
  constructor(
    readonly permission: Permission,
    readonly actor: Actor.Actor,
    readonly target: Target,
    readonly reach: Reach,
  ) {
    Object.freeze(this);
  }
  static made(value: unknown): value is PolicyGrant {
    return Predicate.isObject(value) && #policy in value;
  }
}

/** Whether a value is a grant `authorize` made (not a cast, a copy or a deserialised look-alike). */
export const isGrant = (value: unknown): value is Grant<Permission> => PolicyGrant.made(value);

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
      return (target._tag === "departement" || target._tag === "commune") && target.departement === site.departement;
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

/** Checks the matrix and returns the grant, of the kind of the target passed, or fails with `Forbidden`. */
export const authorize = <P extends Permission, T extends Target>(
  actor: Actor.Actor,
  permission: P,
  target: T,
): Effect.Effect<Grant<P, T["_tag"]>, Forbidden> => {
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
  return Effect.succeed(new PolicyGrant(permission, actor, target, reach) as unknown as Grant<P, T["_tag"]>);
};

// A refusal that names whoever the value claims to be, without trusting it to be well formed.
const refusal = (value: unknown, permission: Permission, reason: string): Forbidden => {
  const actor = Predicate.isObject(value) && "actor" in value ? value.actor : undefined;
  const role = Predicate.isObject(actor) && "role" in actor && Predicate.isString(actor.role) ? actor.role : "unknown";
  const site = Predicate.isObject(actor) && "site" in actor && Predicate.hasProperty(actor.site, "_tag") ? Site.siteKey(actor.site as Site.Site) : "unknown";
  return new Forbidden({ permission, role, site, reason });
};

/**
 * What a use case runs first: the grant was made by `authorize`, for this permission (and, when
 * `kind` is given, on a target of that kind, which narrows the grant's type). Fails with `Forbidden`.
 */
export function require<P extends Permission, K extends TargetKind>(grant: Grant<P, K>, permission: NoInfer<P>): Effect.Effect<Grant<P, K>, Forbidden>;
export function require<P extends Permission, K extends TargetKind, N extends K>(
  grant: Grant<P, K>,
  permission: NoInfer<P>,
  kind: N,
): Effect.Effect<Grant<P, N>, Forbidden>;
export function require(grant: unknown, permission: Permission, kind?: TargetKind): Effect.Effect<Grant<Permission>, Forbidden> {
  if (!isGrant(grant)) return Effect.fail(refusal(grant, permission, "the grant was not made by the policy"));
  if (grant.permission !== permission) return Effect.fail(refusal(grant, permission, `the grant is for ${grant.permission}, not ${permission}`));
  if (kind !== undefined && grant.target._tag !== kind) {
    return Effect.fail(refusal(grant, permission, `the grant is on a ${grant.target._tag} target, a ${kind} was expected`));
  }
  return Effect.succeed(grant);
}

/** Whether the grant covers a target: the target lies within the grant's, and within the actor's reach for the permission. */
export const coversTarget = (grant: Grant<Permission>, target: Target): boolean =>
  isGrant(grant) && within(target, grant.target) && check(grant.actor, grant.permission, target) !== undefined;

/**
 * What a use case checks on the record it loaded: its target (`siteTarget(card.site)`) lies within
 * the grant's. Fails with `Forbidden` "outside the actor's site" otherwise.
 */
export const covers = <P extends Permission>(grant: Grant<P>, target: Target): Effect.Effect<void, Forbidden> =>
  coversTarget(grant, target) ? Effect.void : Effect.fail(refusal(grant, grant.permission, "outside the actor's site"));
