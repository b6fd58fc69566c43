/**
 * Who acts: a person or a machine account with one role at one site. Every command on the
 * platform carries its actor so that the decision, the authorisation and the event log all see
 * the same identity.
 */
import { Schema } from "effect";
import { Site } from "./Site.js";

/** The roles of DOMAIN.md §2, as the platform names them. */
export const Role = Schema.Literals(["national-administrator", "prefecture-operator", "commune-operator", "editor", "agent", "auditor"]);
/** One of the platform's roles. */
export type Role = typeof Role.Type;

/** Every role, in the order of the table above: the authorisation matrix iterates it. */
export const roles: ReadonlyArray<Role> = Role.literals;

/** The one role whose site is compatible with each kind of site. */
export const siteKindOfRole: Readonly<Record<Role, Site["_tag"]>> = {
  "national-administrator": "national",
  "prefecture-operator": "prefecture",
  "commune-operator": "commune",
  editor: "editor",
  agent: "commune",
  // The auditor is ANTS's, kept apart from its administrators (RGS: audit is a separate role).
  auditor: "national",
};

/** An authenticated actor. */
export class Actor extends Schema.Class<Actor>("@comedec/actor/Actor")({
  id: Schema.String.check(Schema.isMinLength(1)),
  name: Schema.String.check(Schema.isMinLength(1)),
  role: Role,
  site: Site,
  /**
   * How the actor proved who they are, when it narrows what they may do: a machine account's
   * token holds fewer rights than a person logged in with their card (RGS 3*). `platform` is the
   * platform's own, which no login issues (`platform` below).
   */
  credential: Schema.optionalKey(Schema.Literals(["card", "bootstrap-token", "machine-token", "platform"])),
}) {}

/** The id the event log and the records keep for the platform's own acts (the stored data's `system`). */
export const platformId = "system";

/**
 * The platform itself, acting on its own: a PIN blocked on the third wrong try, a card replaced by
 * its renewal, a renewal requested before expiry, the reference communes imported at start. It is
 * told apart by its credential, not by its id, so no person or token account can pass for it.
 */
export const platform: Actor = Actor.make({
  id: platformId,
  name: "Plateforme COMEDEC",
  role: "national-administrator",
  site: { _tag: "national" },
  credential: "platform",
});

/** The platform acting on its own at a site: the event log files its events under that site. */
export const platformAt = (site: Site): Actor => Actor.make({ ...platform, site });

/** Whether the actor is the platform itself. */
export const isPlatform = (actor: Actor): boolean => actor.credential === "platform";

/** The id of the national administrator whom the platform's first start issues its bootstrap token for (ADR 0017). */
export const bootstrapAdministratorId = "bootstrap-admin";

/**
 * Whether the actor is that administrator, signed in with the bootstrap token: the one person a
 * new platform has, whose session hands over the platform's first card (ADR 0018). Another
 * token, even a national administrator's bootstrap token, is not them.
 */
export const isBootstrapAdministrator = (actor: Actor): boolean =>
  actor.id === bootstrapAdministratorId && actor.role === "national-administrator" && actor.credential === "bootstrap-token";
