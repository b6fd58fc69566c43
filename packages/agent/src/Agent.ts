/**
 * An agent of the civil-status directory (AGAEC, DOMAIN.md §4): a person of a site (a commune, a
 * prefecture, or the national operator ANTS, whose administrators hold cards too) with a profile — *agent d'état civil* who prepares, or *officier d'état civil* who
 * signs, by law (mayor, deputy) or by delegation (an arrêté of the mayor, bounded by the mayor's
 * term) — and the rights the platform grants. Registration authorities create and maintain the
 * records; `decide` enforces the rules, `machine` is the state table they read.
 */
import { type Actor, Site } from "@comedec/actor";
import { CalendarDate, InseeCode } from "@comedec/commune";
import { Result, Schema, Struct } from "effect";
import { Identity, IdentityDocument, matchesDocument } from "./Identity.js";
import { Problem } from "@comedec/actor";

/** An agent's commune: the actor's `CommuneSite`, whose code must be an INSEE commune code. */
export const CommuneSite = Site.CommuneSite.mapFields(Struct.assign({ commune: InseeCode.InseeCode }));

/**
 * Where an agent works: a commune, the prefecture of a département, or the national site (ANTS,
 * whose administrators sign in with a card like any operator) — the actor's own site members (one
 * site model: the same `DepartementCode`, so no département `00`), and a subtype of `Site.Site`,
 * so an agent's site is an actor's site as it is. The national site is appended last: the
 * members' positions are part of what other modules read (`members[1]` is the prefecture).
 */
export const AgentSite = Schema.Union([CommuneSite, Site.PrefectureSite, Site.NationalSite]);
/** Where an agent works. */
export type AgentSite = typeof AgentSite.Type;

/** The département a site belongs to (prefecture scope); none for the national site, which no prefecture reaches. */
export const departementOf = (site: AgentSite): Site.DepartementCode | undefined =>
  site._tag === "commune" ? InseeCode.departementOf(site.commune) : site._tag === "prefecture" ? site.departement : undefined;

/** A stable key for a site: `commune:69123`, `prefecture:69`, `national` (the same as `Site.siteKey`). */
export const siteKey = (site: AgentSite): string => Site.siteKey(site);

/** An officer's delegation: the mayor's arrêté, with its period, within the mayor's term. */
export const Delegation = Schema.TaggedStruct("delegation", {
  arrete: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)),
  from: CalendarDate.CalendarDate,
  until: CalendarDate.CalendarDate,
  mayorTermEndsOn: CalendarDate.CalendarDate,
});

/** The application profile, which must fit the agent's function. */
export const Profile = Schema.Union([
  Schema.TaggedStruct("agent", {}),
  Schema.TaggedStruct("officer", {
    basis: Schema.Union([Schema.TaggedStruct("mayor", {}), Schema.TaggedStruct("deputy", {}), Delegation]),
  }),
]);
/** The application profile. */
export type Profile = typeof Profile.Type;

/**
 * What the platform lets the agent do. `audit-trail` is ANTS's auditor's: verifying the whole
 * audit trail, at the national site only and with no other right (RGS role separation: whoever
 * verifies the trail changes nothing).
 */
export const Right = Schema.Literals(["receive-requests", "sign-responses", "operate-cards", "register-agents", "audit-trail"]);
/** What the platform lets the agent do. */
export type Right = typeof Right.Type;

/** Contact details. */
export const Contact = Schema.Struct({
  email: Schema.String.check(Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "not an e-mail address" }), Schema.isMaxLength(200)),
  phone: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^\+?[0-9 .]{6,20}$/, { message: "not a phone number" }))),
});
/** Contact details. */
export type Contact = typeof Contact.Type;

/** Where a record stands. */
export const Status = Schema.Literals(["active", "deactivated", "deleted"]);
/** Where a record stands. */
export type Status = typeof Status.Type;

/** Everything a registration records about an agent. */
export const Registration = Schema.Struct({
  identity: Identity,
  document: IdentityDocument,
  contact: Contact,
  site: AgentSite,
  profile: Profile,
  rights: Schema.Array(Right).check(Schema.isMaxLength(Right.literals.length)),
});
/** Everything a registration records about an agent. */
export type Registration = typeof Registration.Type;

/** An agent record. After deletion only `id`, `site`, `status` and `deletedOn` remain. */
export const State = Schema.Struct({
  id: Schema.String,
  site: AgentSite,
  status: Status,
  identity: Schema.optionalKey(Identity),
  document: Schema.optionalKey(IdentityDocument),
  contact: Schema.optionalKey(Contact),
  profile: Schema.optionalKey(Profile),
  rights: Schema.Array(Right),
  deactivationReason: Schema.optionalKey(Schema.String),
  /** When the record was deactivated: a reactivation after a long absence needs a new document check. */
  deactivatedOn: Schema.optionalKey(CalendarDate.CalendarDate),
  /**
   * The registration authority who registered the agent or last checked their identity document:
   * the first person of their card's publication, who never publishes that card alone (Duties.separated).
   */
  registeredBy: Schema.optionalKey(Schema.String),
  deletedOn: Schema.optionalKey(CalendarDate.CalendarDate),
});
/** An agent record. */
export type State = typeof State.Type;

/** Why a record is deactivated or deleted (kept in the log). */
export const Reason = Schema.String.check(Schema.isMinLength(3), Schema.isMaxLength(500));

// --- commands and events ----------------------------------------------------------------------

/** Create the record of a new agent. */
export const Register = Schema.TaggedStruct("Register", { id: Schema.String, registration: Registration });
/** Change the contact details. */
export const ChangeContact = Schema.TaggedStruct("ChangeContact", { contact: Contact });
/** Deactivate the profile: the agent's cards must then be suspended or revoked. */
export const Deactivate = Schema.TaggedStruct("Deactivate", { reason: Reason });
/**
 * Reactivate a deactivated profile: their suspended cards resume. After a deactivation of more than
 * `longDeactivationDays` (or of unknown length), the identity document is checked again, face to face.
 */
export const Reactivate = Schema.TaggedStruct("Reactivate", { reason: Reason, document: Schema.optionalKey(IdentityDocument) });
/** What a reactivation takes: why, and the document checked anew (needed after a long deactivation). */
export const ReactivationInput = Schema.Struct({ reason: Reason, document: Schema.optionalKey(IdentityDocument) });
/** What a reactivation takes. */
export type ReactivationInput = typeof ReactivationInput.Type;
/** The changes a modification carries: identity (with a new document check), profile or rights. */
export const Modification = Schema.Struct({
  identity: Schema.optionalKey(Identity),
  document: Schema.optionalKey(IdentityDocument),
  profile: Schema.optionalKey(Profile),
  rights: Schema.optionalKey(Schema.Array(Right).check(Schema.isMaxLength(Right.literals.length))),
});
/** The changes a modification carries. */
export type Modification = typeof Modification.Type;
/** Change identity (with a new document check), profile or rights. */
export const Modify = Schema.TaggedStruct("Modify", Modification.fields);
/** Delete the record: personal data is erased, the log keeps only the retention trail. */
export const Delete = Schema.TaggedStruct("Delete", { reason: Reason });
/** A command on an agent record. */
export const Command = Schema.Union([Register, ChangeContact, Deactivate, Reactivate, Modify, Delete]);
/** A command on an agent record. */
export type Command = typeof Command.Type;

/** What happened to an agent record. */
export const Event = Schema.Union([
  Schema.TaggedStruct("AgentRegistered", { id: Schema.String, registration: Registration, registeredBy: Schema.optionalKey(Schema.String) }),
  Schema.TaggedStruct("AgentContactChanged", { contact: Contact }),
  Schema.TaggedStruct("AgentDeactivated", { reason: Reason, on: Schema.optionalKey(CalendarDate.CalendarDate) }),
  Schema.TaggedStruct("AgentReactivated", {
    reason: Reason,
    on: CalendarDate.CalendarDate,
    /** The document checked anew, after a long deactivation, and who checked it. */
    document: Schema.optionalKey(IdentityDocument),
    checkedBy: Schema.optionalKey(Schema.String),
  }),
  Schema.TaggedStruct("AgentModified", {
    identity: Schema.optionalKey(Identity),
    document: Schema.optionalKey(IdentityDocument),
    profile: Schema.optionalKey(Profile),
    rights: Schema.optionalKey(Schema.Array(Right)),
    /** Who checked the new document, when the modification carries one. */
    checkedBy: Schema.optionalKey(Schema.String),
  }),
  Schema.TaggedStruct("AgentDeleted", { reason: Reason, on: CalendarDate.CalendarDate }),
]);
/** What happened to an agent record. */
export type Event = typeof Event.Type;

/**
 * How long a deactivation may last before a reactivation needs the identity document checked again
 * (face to face, RGS 3*). A model choice, the platform's: after a year away, the document checked
 * at registration may have expired and the person's civil status or function may have changed,
 * and RGS 3* makes identity proofing the registrar's face-to-face check — so a long absence is
 * treated as a new registration's proofing, a short one (leave, a mistaken deactivation) is not.
 */
export const longDeactivationDays = 365;

/** Whether a deactivation that began on `since` (unknown: before the date was kept) is long on `today`. */
export const longDeactivation = (since: CalendarDate.CalendarDate | undefined, today: CalendarDate.CalendarDate): boolean =>
  since === undefined || CalendarDate.addDays(since, longDeactivationDays) < today;

/** The state table: from which states a command may fire. */
export const machine = {
  name: "agaec-agent",
  version: 2,
  states: Status.literals,
  transitions: [
    { command: "Register", from: ["none"], to: "active" },
    { command: "ChangeContact", from: ["active", "deactivated"], to: "same" },
    { command: "Modify", from: ["active"], to: "same" },
    { command: "Deactivate", from: ["active"], to: "deactivated" },
    { command: "Reactivate", from: ["deactivated"], to: "active" },
    { command: "Delete", from: ["active", "deactivated"], to: "deleted" },
  ],
} as const;

// --- errors -----------------------------------------------------------------------------------

/** The command is not allowed in the record's state. */
export class AgentIllegalTransition extends Schema.TaggedError<AgentIllegalTransition>()(
  "AgentIllegalTransition",
  {
    command: Schema.String,
    state: Schema.String,
  },
  Problem.annotation(409, "agent-illegal-transition", "Not allowed in the record's state"),
) {}

/** The identity differs from the document it was checked against. */
export class IdentityMismatch extends Schema.TaggedError<IdentityMismatch>()(
  "IdentityMismatch",
  { field: Schema.String },
  Problem.annotation<{ readonly field: string }>(
    422,
    "identity-mismatch",
    "The identity differs from the checked document",
    (fields) => `${fields.field} differs from the identity document`,
  ),
) {}

/** The document is expired, or was not checked face to face, or the check is in the future. */
export class DocumentNotAcceptable extends Schema.TaggedError<DocumentNotAcceptable>()(
  "DocumentNotAcceptable",
  { reason: Schema.String },
  Problem.annotation(422, "document-not-acceptable", "The identity document is not acceptable"),
) {}

/** An identity change, or a reactivation after a long deactivation, comes without a new document check. */
export class DocumentCheckRequired extends Schema.TaggedError<DocumentCheckRequired>()(
  "DocumentCheckRequired",
  {},
  Problem.annotation(422, "document-check-required", "An identity change needs a new document check"),
) {}

/** The profile does not fit the rights or the delegation is not valid today. */
export class ProfileNotAllowed extends Schema.TaggedError<ProfileNotAllowed>()(
  "ProfileNotAllowed",
  { reason: Schema.String },
  Problem.annotation(422, "profile-not-allowed", "The profile does not fit the function or rights"),
) {}

/** An actor tried to change their own rights. */
export class OwnRightsChange extends Schema.TaggedError<OwnRightsChange>()(
  "OwnRightsChange",
  { agent: Schema.String },
  Problem.annotation(403, "own-rights-change", "Nobody changes their own rights"),
) {}

/** A birth date in the future, or a person too young to be an agent. */
export class ImpossibleBirthDate extends Schema.TaggedError<ImpossibleBirthDate>()(
  "ImpossibleBirthDate",
  { birthDate: Schema.String },
  Problem.annotation(422, "impossible-birth-date", "The birth date is impossible for an agent"),
) {}

/** A domain refusal. */
export type AgentError =
  | AgentIllegalTransition
  | IdentityMismatch
  | DocumentNotAcceptable
  | DocumentCheckRequired
  | ProfileNotAllowed
  | OwnRightsChange
  | ImpossibleBirthDate;

/** Who decides and when. */
export interface Context {
  readonly actor: Actor.Actor;
  readonly today: CalendarDate.CalendarDate;
}

// --- rules ------------------------------------------------------------------------------------

const minimumAge = 16;

const checkIdentity = (identity: Identity, document: IdentityDocument, today: CalendarDate.CalendarDate): AgentError | undefined => {
  const adultFrom = `${String(Number(identity.birthDate.slice(0, 4)) + minimumAge).padStart(4, "0")}${identity.birthDate.slice(4)}`;
  if (identity.birthDate > today || adultFrom > today) return new ImpossibleBirthDate({ birthDate: identity.birthDate });
  if (!document.check.faceToFace) return new DocumentNotAcceptable({ reason: "RGS 3* requires the identity document to be checked face to face" });
  if (document.check.on > today) return new DocumentNotAcceptable({ reason: "the document check is dated in the future" });
  if (document.expiresOn < document.check.on) return new DocumentNotAcceptable({ reason: `the document expired on ${document.expiresOn}` });
  if (!matchesDocument(identity, document)) {
    const field =
      identity.birthDate !== document.holder.birthDate
        ? "birthDate"
        : identity.givenNames.length !== document.holder.givenNames.length
          ? "givenNames"
          : "names";
    return new IdentityMismatch({ field });
  }
  return undefined;
};

const checkProfile = (profile: Profile, rights: ReadonlyArray<Right>, site: AgentSite, today: CalendarDate.CalendarDate): AgentError | undefined => {
  if (new Set(rights).size !== rights.length) return new ProfileNotAllowed({ reason: "a right is listed twice" });
  if (rights.includes("audit-trail")) {
    if (site._tag !== "national") return new ProfileNotAllowed({ reason: "the audit trail is verified by ANTS's auditor, an agent of the national site" });
    if (rights.length > 1) {
      return new ProfileNotAllowed({ reason: "an auditor holds no other right: whoever verifies the audit trail changes nothing (RGS role separation)" });
    }
  }
  if (profile._tag === "agent" && rights.includes("sign-responses")) return new ProfileNotAllowed({ reason: "an agent d'état civil cannot sign responses" });
  if (profile._tag === "officer" && profile.basis._tag === "delegation") {
    const { from, until, mayorTermEndsOn } = profile.basis;
    if (from > until) return new ProfileNotAllowed({ reason: "the delegation ends before it starts" });
    if (until > mayorTermEndsOn) return new ProfileNotAllowed({ reason: "a delegation cannot outlast the mayor's term" });
    if (today < from || today > until) return new ProfileNotAllowed({ reason: `the delegation is not valid today (${from} – ${until})` });
  }
  return undefined;
};

const transition = (state: State | undefined, command: Command["_tag"]): AgentError | undefined => {
  const from = state === undefined ? "none" : state.status;
  const allowed = machine.transitions.find((entry) => entry.command === command)?.from as ReadonlyArray<string>;
  return allowed.includes(from) ? undefined : new AgentIllegalTransition({ command, state: from });
};

const sameRights = (a: ReadonlyArray<Right>, b: ReadonlyArray<Right>) => a.length === b.length && a.every((right) => b.includes(right));

/** Decides a command on a record (undefined before registration). */
export const decide = (state: State | undefined, command: Command, { actor, today }: Context): Result.Result<ReadonlyArray<Event>, AgentError> => {
  const illegal = transition(state, command._tag);
  if (illegal !== undefined) return Result.fail(illegal);
  switch (command._tag) {
    case "Register": {
      const { registration } = command;
      const refused =
        checkIdentity(registration.identity, registration.document, today) ?? checkProfile(registration.profile, registration.rights, registration.site, today);
      if (refused !== undefined) return Result.fail(refused);
      return Result.succeed([{ _tag: "AgentRegistered", id: command.id, registration, registeredBy: actor.id }]);
    }
    case "ChangeContact":
      return Result.succeed([{ _tag: "AgentContactChanged", contact: command.contact }]);
    case "Deactivate":
      return Result.succeed([{ _tag: "AgentDeactivated", reason: command.reason, on: today }]);
    case "Reactivate": {
      const current = state as State;
      const long = longDeactivation(current.deactivatedOn, today);
      if (long && command.document === undefined) return Result.fail(new DocumentCheckRequired());
      if (command.document !== undefined) {
        if (current.identity === undefined) return Result.fail(new DocumentCheckRequired());
        // A check made before the deactivation proves nothing about the person coming back.
        if (current.deactivatedOn !== undefined && command.document.check.on < current.deactivatedOn) {
          return Result.fail(new DocumentNotAcceptable({ reason: `the document was checked before the deactivation (${current.deactivatedOn})` }));
        }
        const refused = checkIdentity(current.identity, command.document, today);
        if (refused !== undefined) return Result.fail(refused);
      }
      return Result.succeed([
        {
          _tag: "AgentReactivated",
          reason: command.reason,
          on: today,
          ...(command.document === undefined ? {} : { document: command.document, checkedBy: actor.id }),
        },
      ]);
    }
    case "Delete":
      return Result.succeed([{ _tag: "AgentDeleted", reason: command.reason, on: today }]);
    case "Modify": {
      const current = state as State & { identity: Identity; document: IdentityDocument; profile: Profile };
      const identity = command.identity ?? current.identity;
      const document = command.document ?? current.document;
      const profile = command.profile ?? current.profile;
      const rights = command.rights ?? current.rights;
      if (command.identity !== undefined && command.document === undefined) return Result.fail(new DocumentCheckRequired());
      if (command.rights !== undefined && !sameRights(command.rights, current.rights) && actor.id === current.id) {
        return Result.fail(new OwnRightsChange({ agent: current.id }));
      }
      const refused =
        (command.document === undefined ? undefined : checkIdentity(identity, document, today)) ?? checkProfile(profile, rights, current.site, today);
      if (refused !== undefined) return Result.fail(refused);
      return Result.succeed([
        {
          _tag: "AgentModified",
          ...(command.identity === undefined ? {} : { identity: command.identity }),
          ...(command.document === undefined ? {} : { document: command.document }),
          ...(command.profile === undefined ? {} : { profile: command.profile }),
          ...(command.rights === undefined ? {} : { rights: command.rights }),
          ...(command.document === undefined ? {} : { checkedBy: actor.id }),
        },
      ]);
    }
  }
};

/** Applies an event. */
export const evolve = (state: State | undefined, event: Event): State => {
  switch (event._tag) {
    case "AgentRegistered": {
      const { identity, document, contact, site, profile, rights } = event.registration;
      const registeredBy = event.registeredBy === undefined ? {} : { registeredBy: event.registeredBy };
      return { id: event.id, site, status: "active", identity, document, contact, profile, rights, ...registeredBy };
    }
    case "AgentContactChanged":
      return { ...(state as State), contact: event.contact };
    case "AgentDeactivated":
      return { ...(state as State), status: "deactivated", deactivationReason: event.reason, ...(event.on === undefined ? {} : { deactivatedOn: event.on }) };
    case "AgentReactivated": {
      const { deactivationReason, deactivatedOn, ...active } = state as State;
      return {
        ...active,
        status: "active",
        ...(event.document === undefined ? {} : { document: event.document }),
        ...(event.checkedBy === undefined ? {} : { registeredBy: event.checkedBy }),
      };
    }
    case "AgentModified": {
      const { _tag, checkedBy, ...changes } = event;
      return { ...(state as State), ...changes, ...(checkedBy === undefined ? {} : { registeredBy: checkedBy }) };
    }
    case "AgentDeleted": {
      // Personal data goes; what remains says only that a record of this site existed.
      const { id, site } = state as State;
      return { id, site, status: "deleted", rights: [], deletedOn: event.on };
    }
  }
};
