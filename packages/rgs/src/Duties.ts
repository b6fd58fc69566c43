/**
 * The trusted duties of the platform kept apart (RGS v2.0 annexe A2, §5.2.1 and §5.2.4), as data
 * with their sources: which permissions make each duty, which duties one person may combine on
 * each kind of site, and which operations one person never completes alone. A commune has two
 * operators (the responsable carte and the délégué, DOMAIN.md §2), so there one person registers,
 * operates cards and validates requests, but never both registers a holder (or orders their card)
 * and publishes that card alone: the other operator of the site, or the prefecture for a commune's
 * first two cards, is the second person. The code that enforces these reads this table; the
 * tests and the docs read it too.
 */
import type { Actor } from "@comedec/actor";
import type { Permission } from "./Access.js";

/** A trusted duty. */
export type Duty = "registration" | "card-operation" | "request-validation" | "revocation" | "audit" | "administration";

/** One duty: what it is, where it comes from, and the permissions that exercise it. */
export interface DutyDefinition {
  readonly duty: Duty;
  readonly source: string;
  readonly text: string;
  readonly permissions: ReadonlyArray<Permission>;
}

/** Every duty, with its source. */
export const duties: ReadonlyArray<DutyDefinition> = [
  {
    duty: "registration",
    source: "RGS v2.0 annexe A2, §5.2.1 (autorité d'enregistrement); AGAEC, seed 003",
    text: "Creating agents in the directory and changing them (identity, profile, rights), after a face-to-face check of the identity document.",
    permissions: ["agent.register", "agent.manage"],
  },
  {
    duty: "card-operation",
    source: "RGS v2.0 annexe A2, §5.2.1 (opérateur de carte); PGCA, seed 003",
    text: "Ordering, receiving and publishing a holder's card, unblocking it, setting the holder's secret questions.",
    permissions: ["card.order", "card.operate"],
  },
  {
    duty: "request-validation",
    source: "RGS v2.0 annexe A2, §5.2.2 (nombre de personnes requises par tâche)",
    text: "Validating or rejecting a request made by a holder or by another operator.",
    permissions: ["card.validate"],
  },
  {
    duty: "revocation",
    source: "RGS v2.0 annexe A2, §4.9.3 and §5.2.4 (rôles exigeant une séparation des attributions)",
    text: "Revoking a card and its certificates; an operator's card only with a second trusted person.",
    permissions: ["card.operate", "card.validate"],
  },
  {
    duty: "audit",
    source: "RGS v2.0 annexe A2, §5.2.4 and §5.4 (journalisation, contrôle)",
    // A site's operators export what their site did (a copy of their own acts), which audits nobody.
    text: "Verifying the whole audit trail; whoever verifies it changes nothing.",
    permissions: ["audit.verify"],
  },
  {
    duty: "administration",
    source: "RGS v2.0 annexe A2, §5.2.1 (administrateur système); DOMAIN.md §2 (ANTS)",
    text: "Running the platform: conventions, the reference of communes, editors, card production, the retention purge.",
    permissions: ["convention.process", "commune.import", "editor.manage", "card.produce", "retention.purge", "audit.checkpoint"],
  },
];

/** The kinds of site a person acts for. */
export type SiteKind = "commune" | "prefecture" | "national";

/**
 * Which duties one person may hold on each kind of site. A commune's two operators hold
 * registration, card operation, validation and revocation together (the commune has nobody else),
 * which the operations of `separated` make safe; a prefecture the same for its own agents and a
 * commune's first two cards; ANTS administers and produces but never audits; the auditor holds
 * audit alone.
 */
export const combinable: Readonly<Record<SiteKind, ReadonlyArray<ReadonlyArray<Duty>>>> = {
  commune: [["registration", "card-operation", "request-validation", "revocation"], ["audit"]],
  prefecture: [["registration", "card-operation", "request-validation", "revocation"], ["audit"]],
  national: [["administration", "registration", "card-operation", "request-validation", "revocation"], ["audit"]],
};

/** An operation one person never completes alone, and who the second person is. */
export interface SeparatedOperation {
  readonly operation: string;
  readonly rule: string;
  readonly source: string;
  /** Whose acts make the first person (any of them). */
  readonly first: string;
  /** Who may be the second person. */
  readonly second: string;
}

/** The operations that take two distinct people, with the rule each refusal names. */
export const separated: ReadonlyArray<SeparatedOperation> = [
  {
    operation: "card.publish",
    rule: "roles.dual-control",
    source: "RGS v2.0 annexe A2, §5.2.2",
    first: "whoever registered the holder or ordered the card (or, at the prefecture, any operator)",
    second:
      "another actor of the card's site who approved its personalisation from their own session: the délégué for the responsable carte and the other way round, the prefecture for a commune's first two cards, or the holder for a new card of theirs — never the publisher",
  },
  {
    operation: "card.approve-personalisation",
    rule: "roles.dual-control",
    source: "RGS v2.0 annexe A2, §5.2.2",
    first: "the operator who publishes",
    second:
      "an operator of the card's kind of site (or the holder, for a new card of theirs); for a commune's first two cards, the prefecture only; ANTS approves no commune's or prefecture's card",
  },
  {
    operation: "card.revoke-operator",
    rule: "roles.dual-control",
    source: "RGS v2.0 annexe A2, §5.2.2",
    first: "the operator who files the revocation request",
    second: "another operator of the site who validates it, or the holder themselves",
  },
  {
    operation: "holder.reset-secret-questions",
    rule: "roles.dual-control",
    source: "RGS v2.0 annexe A2, §5.2.2",
    first: "the operator who would replace the holder's existing questions",
    second: "the holder, with their own card session",
  },
  {
    operation: "agent.delete-operator",
    rule: "roles.dual-control",
    source: "RGS v2.0 annexe A2, §5.2.2",
    first: "the registration authority who deletes an agent holding an operator's card",
    second: "another operator who validates the revocation of that card first",
  },
  {
    operation: "request.validate",
    rule: "roles.four-eyes",
    source: "RGS v2.0 annexe A2, §5.2.2",
    first: "the person who made the request, or whom it concerns",
    second: "another operator of the site",
  },
];

/** The duties a permission exercises. */
export const dutiesOf = (permission: Permission): ReadonlyArray<Duty> =>
  duties.filter((definition) => definition.permissions.includes(permission)).map((definition) => definition.duty);

/** The kind of site a role acts for. */
export const siteKindOf = (role: Actor.Role): SiteKind =>
  role === "commune-operator" || role === "agent" ? "commune" : role === "prefecture-operator" ? "prefecture" : "national";

/** Whether one person on a kind of site may hold all these duties together. */
export const mayCombine = (kind: SiteKind, held: ReadonlyArray<Duty>): boolean => combinable[kind].some((group) => held.every((duty) => group.includes(duty)));
