/**
 * An agent's smart card in the card platform (PGCA, DOMAIN.md §5): ordered for a holder of the
 * directory, produced and shipped by the national operator, received at the site, published (handed
 * over face to face and activated), and then used until it is revoked, expires or is replaced by
 * a renewal. The state machine is data (`machine`): the API, the docs and the tests read the same
 * table of states, transitions, who may fire each and the evidence each needs.
 */
import { Actor } from "@comedec/actor";
import { Agent, Identity } from "@comedec/agent";
import { CalendarDate } from "@comedec/commune";
import { Result, Schema } from "effect";
import { Problem } from "@comedec/actor";

/** Where a card stands. */
export const Status = Schema.Literals([
  "ordered",
  "in-production",
  "shipped",
  "received",
  "active",
  "pin-blocked",
  "suspended",
  "revoked",
  "expired",
  "replaced",
]);
/** Where a card stands. */
export type Status = typeof Status.Type;

/** The states a card never leaves. */
export const terminal: ReadonlyArray<Status> = ["revoked", "expired", "replaced"];

/**
 * Who fires a transition. A site operator is a commune's responsable carte or délégué, or the
 * prefecture for its own agents and for a commune's first two cards; the use cases check the site.
 */
export const Party = Schema.Literals(["national-operator", "site-operator", "holder", "platform"]);
/** Who fires a transition. */
export type Party = typeof Party.Type;

/** The revocation reasons of RFC 5280 §5.3.1 a card's certificates may carry. */
export const RevocationReason = Schema.Literals([
  "unspecified",
  "keyCompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "privilegeWithdrawn",
]);
/** An RFC 5280 revocation reason. */
export type RevocationReason = typeof RevocationReason.Type;

/**
 * What the PKI's register, its CRL and its OCSP answers say of a certificate taken out of use: a
 * revocation (final, with its reason), or `certificateHold` (RFC 5280 §5.3.1), the hold a suspended
 * card's certificates are under, which its resumption lifts (the entry leaves the next CRL).
 */
export const CrlReason = Schema.Literals([...RevocationReason.literals, "certificateHold"]);
/** A revocation reason, or a hold. */
export type CrlReason = typeof CrlReason.Type;

/** Which of the commune's first two cards this is (the convention names both holders). */
export const FirstCard = Schema.Literals(["responsable-carte", "delegue"]);
/** Which of the commune's first two cards this is. */
export type FirstCard = typeof FirstCard.Type;

/** The two key pairs a card holds: RGS 3* forbids one certificate for both uses. */
export const KeyUsage = Schema.Literals(["authentication", "signature"]);
/** The two key pairs a card holds. */
export type KeyUsage = typeof KeyUsage.Type;

/** What the card platform remembers of an issued certificate. */
export const CertificateRef = Schema.Struct({
  serial: Schema.String.check(Schema.isPattern(/^[0-9a-f]{2,40}$/)),
  notBefore: Schema.String,
  notAfter: Schema.String,
  algorithm: Schema.String,
});
/** What the card platform remembers of an issued certificate. */
export type CertificateRef = typeof CertificateRef.Type;

/** The two certificates of a published card. */
export const Certificates = Schema.Struct({ authentication: CertificateRef, signature: CertificateRef });
/** The two certificates of a published card. */
export type Certificates = typeof Certificates.Type;

/** A card's serial number, as printed and as the chip reports it. */
export const Serial = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9-]{4,32}$/, { message: "not a card serial number" }));

/** Why a transition was fired: kept on every transition. */
export const Reason = Schema.String.check(Schema.isMinLength(3), Schema.isMaxLength(500));

/** How the holder proved who they are before an unblock. */
export const HolderAuthentication = Schema.Literals(["face-to-face", "secret-answers"]);

/** The face-to-face hand-over: the document checked and where (`ants`: the agency's own desk, for a card of the national site). */
export const HandOver = Schema.Struct({
  document: Schema.Struct({ type: Identity.IdentityDocument.fields.type, number: Identity.IdentityDocument.fields.number }),
  place: Schema.Literals(["prefecture", "mairie", "ants"]),
  activationCodePresented: Schema.Literal(true),
});
/** The face-to-face hand-over. */
export type HandOver = typeof HandOver.Type;

/** A card record. */
export const State = Schema.Struct({
  id: Schema.String,
  holder: Schema.String,
  site: Agent.AgentSite,
  status: Status,
  firstCard: Schema.optionalKey(FirstCard),
  request: Schema.optionalKey(Schema.String),
  replaces: Schema.optionalKey(Schema.String),
  replacedBy: Schema.optionalKey(Schema.String),
  serial: Schema.optionalKey(Serial),
  certificates: Schema.optionalKey(Certificates),
  handOver: Schema.optionalKey(HandOver),
  /** Who approved the personalisation at the prefecture (dual control: another person publishes). */
  personalisationApprovedBy: Schema.optionalKey(Schema.String),
  /** Who ordered the card (the operator, or the validator of the request it answers). */
  orderedBy: Schema.optionalKey(Schema.String),
  /**
   * Whether the card is an operator's card, as its holder's rights stood at its order and its publication: its
   * revocation then takes two people, whatever is done to the holder's rights afterwards.
   */
  operatorCard: Schema.optionalKey(Schema.Boolean),
  revocation: Schema.optionalKey(Schema.Struct({ reason: RevocationReason, on: CalendarDate.CalendarDate })),
  /** The state a suspended card was in when its holder was deactivated: where its resumption takes it back. */
  suspendedFrom: Schema.optionalKey(Status),
  lastReason: Schema.String,
});
/** A card record. */
export type State = typeof State.Type;

// --- commands ---------------------------------------------------------------------------------

/** Order a card for a holder active in the directory. */
export const Order = Schema.TaggedStruct("Order", {
  id: Schema.String,
  holder: Schema.String,
  site: Agent.AgentSite,
  firstCard: Schema.optionalKey(FirstCard),
  request: Schema.optionalKey(Schema.String),
  replaces: Schema.optionalKey(Schema.String),
  /** The actor who orders (checked against the actor at the decision). */
  orderedBy: Schema.optionalKey(Schema.String),
  /** Whether the holder is an operator at the order (their rights then). */
  operatorCard: Schema.optionalKey(Schema.Boolean),
  reason: Reason,
});
/** The national operator sends the order to the card manufacturer. */
export const StartProduction = Schema.TaggedStruct("StartProduction", { serial: Serial, reason: Reason });
/** The produced card leaves for the site (the prefecture for a commune's first two cards). */
export const Ship = Schema.TaggedStruct("Ship", { reason: Reason });
/** The site's operator receives the card and reads its serial. */
export const Receive = Schema.TaggedStruct("Receive", { serial: Serial, reason: Reason });
/** At the prefecture, a second trusted person approves the personalisation of a received card (the approver is the actor). */
export const ApprovePersonalisation = Schema.TaggedStruct("ApprovePersonalisation", { approver: Schema.String, reason: Reason });
/** Hand-over face to face and activation: the holder chose a PIN, two key pairs and two certificates are on the card. */
export const Publish = Schema.TaggedStruct("Publish", {
  handOver: HandOver,
  certificates: Certificates,
  /** Whether the holder is an operator (their rights now), kept with the card. */
  operatorCard: Schema.optionalKey(Schema.Boolean),
  reason: Reason,
});
/** The card reported its PIN blocked after too many wrong PINs. */
export const BlockPin = Schema.TaggedStruct("BlockPin", { reason: Reason });
/** The operator unblocked the PIN with the PUK after authenticating the holder. */
export const Unblock = Schema.TaggedStruct("Unblock", { holderAuthentication: HolderAuthentication, reason: Reason });
/** New key pairs and certificates on the same card. */
export const RenewCertificates = Schema.TaggedStruct("RenewCertificates", { certificates: Certificates, reason: Reason });
/** The holder was deactivated in the directory: the card, and its certificates (on hold), are out of use until they are reactivated. */
export const Suspend = Schema.TaggedStruct("Suspend", { reason: Reason });
/** The holder was reactivated in the directory: the card goes back to the state it was suspended from, its certificates out of hold. */
export const Resume = Schema.TaggedStruct("Resume", { reason: Reason });
/** Revoke the card and its certificates. */
export const Revoke = Schema.TaggedStruct("Revoke", { revocationReason: RevocationReason, reason: Reason });
/** The renewal card is active: this one is retired and its certificates revoked as superseded. */
export const Replace = Schema.TaggedStruct("Replace", { by: Schema.String, reason: Reason });
/** The certificates reached their end of validity. */
export const Expire = Schema.TaggedStruct("Expire", { reason: Reason });

/** A command on a card. */
export const Command = Schema.Union([
  Order,
  StartProduction,
  Ship,
  Receive,
  ApprovePersonalisation,
  Publish,
  BlockPin,
  Unblock,
  RenewCertificates,
  Suspend,
  Resume,
  Revoke,
  Replace,
  Expire,
]);
/** A command on a card. */
export type Command = typeof Command.Type;

/** A command's own fields, without its tag: an event carries them under its own tag. */
export const fieldsOf = <F extends { readonly _tag: unknown }>({ _tag, ...fields }: F): Omit<F, "_tag"> => fields;

/** What happened to a card: the command's fields, named in the past tense. */
export const Event = Schema.Union([
  Schema.TaggedStruct("CardOrdered", fieldsOf(Order.fields)),
  Schema.TaggedStruct("CardProductionStarted", fieldsOf(StartProduction.fields)),
  Schema.TaggedStruct("CardShipped", fieldsOf(Ship.fields)),
  Schema.TaggedStruct("CardReceived", fieldsOf(Receive.fields)),
  Schema.TaggedStruct("CardPersonalisationApproved", fieldsOf(ApprovePersonalisation.fields)),
  Schema.TaggedStruct("CardPublished", fieldsOf(Publish.fields)),
  Schema.TaggedStruct("CardPinBlocked", fieldsOf(BlockPin.fields)),
  Schema.TaggedStruct("CardUnblocked", fieldsOf(Unblock.fields)),
  Schema.TaggedStruct("CardCertificatesRenewed", fieldsOf(RenewCertificates.fields)),
  Schema.TaggedStruct("CardSuspended", fieldsOf(Suspend.fields)),
  Schema.TaggedStruct("CardResumed", fieldsOf(Resume.fields)),
  Schema.TaggedStruct("CardRevoked", { ...fieldsOf(Revoke.fields), on: CalendarDate.CalendarDate }),
  Schema.TaggedStruct("CardReplaced", fieldsOf(Replace.fields)),
  Schema.TaggedStruct("CardExpired", fieldsOf(Expire.fields)),
]);
/** What happened to a card. */
export type Event = typeof Event.Type;

/** One transition of the card's state machine. */
export interface Transition {
  readonly command: Command["_tag"];
  readonly event: Event["_tag"];
  readonly from: ReadonlyArray<Status | "none">;
  readonly to: Status;
  readonly by: ReadonlyArray<Party>;
  /** The evidence the command carries (field names of the command). */
  readonly evidence: ReadonlyArray<string>;
  /** The rule, as the problem+json of a refusal names it. */
  readonly rule: string;
  /** Why these parties, and only they, fire it. */
  readonly why: string;
}

const usable = ["active", "pin-blocked", "suspended"] as const;

/** The card state machine, versioned: a change of table is a new version. */
export const machine = {
  name: "pgca-card",
  version: 5,
  states: Status.literals,
  terminal,
  transitions: [
    {
      command: "Order",
      event: "CardOrdered",
      from: ["none"],
      to: "ordered",
      by: ["site-operator", "national-operator"],
      evidence: ["holder", "site", "reason"],
      rule: "A card is ordered for a holder who is active in the directory.",
      why: "The site's responsable carte orders its agents' cards (the prefecture a commune's first two); ANTS may order for any site.",
    },
    {
      command: "StartProduction",
      event: "CardProductionStarted",
      from: ["ordered"],
      to: "in-production",
      by: ["national-operator", "platform"],
      evidence: ["serial", "reason"],
      rule: "Only an ordered card goes into production; the manufacturer gives its serial.",
      why: "ANTS gives the cards and deals with their manufacturer; the platform records what the manufacturer reports.",
    },
    {
      command: "Ship",
      event: "CardShipped",
      from: ["in-production"],
      to: "shipped",
      by: ["national-operator", "platform"],
      evidence: ["reason"],
      rule: "Only a card in production is shipped.",
      why: "Shipping is the manufacturer's and ANTS's side of the chain; no site sends itself a card.",
    },
    {
      command: "Receive",
      event: "CardReceived",
      from: ["shipped"],
      to: "received",
      by: ["site-operator", "national-operator"],
      evidence: ["serial", "reason"],
      rule: "Only a shipped card is received, and its serial must be the one shipped.",
      why: "The person who holds the parcel at the site reads the serial off the card; ANTS may record it for a site.",
    },
    {
      command: "ApprovePersonalisation",
      event: "CardPersonalisationApproved",
      from: ["received"],
      to: "received",
      by: ["site-operator", "holder"],
      evidence: ["approver", "reason"],
      rule: "A second trusted person of the site approves the personalisation of a received card: whoever registered its holder or ordered it, and the prefecture, never publish it alone (dual control); a holder who already has a card may approve their new one.",
      why: "RGS 3* wants two trusted people to personalise a card: the approver is an operator of the prefecture, never the publisher.",
    },
    {
      command: "Publish",
      event: "CardPublished",
      from: ["received"],
      to: "active",
      by: ["site-operator"],
      evidence: ["handOver", "certificates", "reason"],
      rule: "Only a received card is published, face to face, with its activation code, by an operator who is not its holder (the bootstrap session of a new platform, for its first card only; a national administrator signed in with their card, for a card of the national site).",
      why: "The hand-over is face to face at the site, identity document in hand: only an operator there can do it, and never ANTS from afar — save at its own, national, site.",
    },
    {
      command: "BlockPin",
      event: "CardPinBlocked",
      from: ["active"],
      to: "pin-blocked",
      by: ["holder", "platform", "site-operator"],
      evidence: ["reason"],
      rule: "Only an active card's PIN gets blocked.",
      why: "The card blocks itself after three wrong PINs: whoever sees it (the holder's workstation, the platform, an operator) reports it.",
    },
    {
      command: "Unblock",
      event: "CardUnblocked",
      from: ["pin-blocked"],
      to: "active",
      by: ["site-operator", "holder"],
      evidence: ["holderAuthentication", "reason"],
      rule: "Only a PIN-blocked card is unblocked, by an operator who authenticated the holder and is not the holder, or by the holder at a distance with the answers to secret questions they set themselves.",
      why: "The PUK never reaches a person: the holder proves who they are to an operator (face to face or secret answers), or to the platform by answers no operator could give, and the PUK goes sealed to the card agent (ADR 0018).",
    },
    {
      command: "RenewCertificates",
      event: "CardCertificatesRenewed",
      from: ["active"],
      to: "active",
      by: ["site-operator"],
      evidence: ["certificates", "reason"],
      rule: "Only an active card's certificates are renewed, with new key pairs.",
      why: "New keys are generated on the card at the operator's workstation, the holder typing the PIN there.",
    },
    {
      command: "Suspend",
      event: "CardSuspended",
      from: ["ordered", "in-production", "shipped", "received", "active", "pin-blocked"],
      to: "suspended",
      by: ["platform", "site-operator", "national-operator"],
      evidence: ["reason"],
      rule: "A card whose holder is deactivated is suspended; a published card's two certificates are put on hold (certificateHold on the CRL and in OCSP).",
      why: "The registration authority deactivates the holder in the directory; the platform suspends every card of theirs at once, on the registrar's behalf, and ends their sessions.",
    },
    {
      command: "Resume",
      event: "CardResumed",
      from: ["suspended"],
      to: "active",
      by: ["platform"],
      evidence: ["reason"],
      rule: "A suspended card resumes the state it was suspended from (active for a published card) when its holder is reactivated in the directory; its certificates leave the hold.",
      why: "Only the directory's reactivation of the holder lifts a suspension (with a new identity-document check after a long one): no operator can give a card back to a holder the directory still calls inactive.",
    },
    {
      command: "Revoke",
      event: "CardRevoked",
      from: ["ordered", "in-production", "shipped", "received", ...usable],
      to: "revoked",
      by: ["site-operator", "national-operator", "holder", "platform"],
      evidence: ["revocationReason", "reason"],
      rule: "Any card not yet revoked, expired or replaced can be revoked, with an RFC 5280 reason; a held certificate's hold becomes a revocation.",
      why: "RGS 3*: the holder, the CA, the operator or an authorised person may ask for a revocation (an operator's card by two people); the platform revokes on an agent's deletion.",
    },
    {
      command: "Replace",
      event: "CardReplaced",
      from: usable,
      to: "replaced",
      by: ["platform", "site-operator"],
      evidence: ["by", "reason"],
      rule: "A card is replaced once its renewal card is active.",
      why: "The platform retires the old card when the operator publishes its renewal, so a holder never has two cards in force.",
    },
    {
      command: "Expire",
      event: "CardExpired",
      from: usable,
      to: "expired",
      by: ["platform"],
      evidence: ["reason"],
      rule: "A card expires with its certificates; its pending requests are cancelled.",
      why: "Nobody decides an end of validity: the platform's daily job records it the day after the certificates end.",
    },
  ] satisfies ReadonlyArray<Transition>,
} as const;

/** The transition a command fires. */
export const transitionOf = (command: Command["_tag"]): Transition => machine.transitions.find((entry) => entry.command === command) as Transition;

// --- errors -----------------------------------------------------------------------------------

/** The command is not allowed in the card's state; `rule` says which rule refused it. */
export class CardIllegalTransition extends Schema.TaggedError<CardIllegalTransition>()(
  "CardIllegalTransition",
  {
    command: Schema.String,
    state: Schema.String,
    allowedFrom: Schema.Array(Schema.String),
    rule: Schema.String,
  },
  Problem.annotation<{ readonly command: string; readonly state: string; readonly rule: string }>(
    409,
    "card-illegal-transition",
    "Not allowed in the card's (or request's) state",
    (fields) => `${fields.command} is not allowed in state ${fields.state}: ${fields.rule}`,
  ),
) {}

/** This party may not fire this command (a holder handing over their own card, an operator expiring one…). */
export class CardPartyNotAllowed extends Schema.TaggedError<CardPartyNotAllowed>()(
  "CardPartyNotAllowed",
  {
    command: Schema.String,
    party: Schema.String,
    allowed: Schema.Array(Schema.String),
    rule: Schema.String,
  },
  Problem.annotation<{ readonly command: string; readonly party: string; readonly rule: string }>(
    403,
    "card-party-not-allowed",
    "This party may not fire this transition",
    (fields) => `${fields.command} may not be fired by the ${fields.party}: ${fields.rule}`,
  ),
) {}

/** The serial read from the card is not the one shipped. */
export class SerialMismatch extends Schema.TaggedError<SerialMismatch>()(
  "SerialMismatch",
  { expected: Schema.String, presented: Schema.String },
  Problem.annotation(422, "card-serial-mismatch", "The card's serial is not the one shipped"),
) {}

/** A domain refusal. */
export type CardError = CardIllegalTransition | CardPartyNotAllowed | SerialMismatch;

/** Who decides and when. */
export interface Context {
  readonly actor: Actor.Actor;
  readonly today: CalendarDate.CalendarDate;
}

/** The party an actor plays for a card: the holder, the platform itself, or an operator by role. */
export const partyOf = (actor: Actor.Actor, holder: string): Party => {
  if (actor.id === holder) return "holder";
  if (Actor.isPlatform(actor)) return "platform";
  switch (actor.role) {
    case "national-administrator":
      return "national-operator";
    case "prefecture-operator":
    case "commune-operator":
      return "site-operator";
    default:
      return "holder";
  }
};

// --- rules ------------------------------------------------------------------------------------

const pastTense = (command: Command, today: CalendarDate.CalendarDate): Event => {
  const { _tag, ...fields } = command;
  const transition = transitionOf(_tag);
  return (_tag === "Revoke" ? { _tag: transition.event, ...fields, on: today } : { _tag: transition.event, ...fields }) as Event;
};

/** Decides a command on a card (undefined before the order). */
export const decide = (state: State | undefined, command: Command, { actor, today }: Context): Result.Result<ReadonlyArray<Event>, CardError> => {
  const transition = transitionOf(command._tag);
  const from = state === undefined ? "none" : state.status;
  if (!(transition.from as ReadonlyArray<string>).includes(from)) {
    return Result.fail(new CardIllegalTransition({ command: command._tag, state: from, allowedFrom: transition.from, rule: transition.rule }));
  }
  const holder = state?.holder ?? (command._tag === "Order" ? command.holder : "");
  const party = partyOf(actor, holder);
  // ANTS may act for any site, but hands over no card from afar — save its own holders' cards, at the
  // national site where it is the site's operator, signed in with its own card as every site's
  // operators are (a token proves no person at the desk), and its bootstrap session, for the
  // platform's first card (the use case checks it is the first; ADR 0018); the platform acts for everyone.
  const atOwnSite = state?.site._tag === "national" && actor.credential === "card";
  const allowed =
    transition.by.includes(party) ||
    (party === "national-operator" &&
      transition.by.includes("site-operator") &&
      (command._tag !== "Publish" || atOwnSite || Actor.isBootstrapAdministrator(actor)));
  if (!allowed) return Result.fail(new CardPartyNotAllowed({ command: command._tag, party, allowed: transition.by, rule: transition.rule }));
  if (command._tag === "ApprovePersonalisation" && command.approver !== actor.id) {
    return Result.fail(new CardPartyNotAllowed({ command: command._tag, party, allowed: transition.by, rule: "an approval is the approver's own" }));
  }
  if (command._tag === "Order" && command.orderedBy !== undefined && command.orderedBy !== actor.id) {
    return Result.fail(new CardPartyNotAllowed({ command: command._tag, party, allowed: transition.by, rule: "an order is the orderer's own" }));
  }
  if (command._tag === "Unblock" && party === "holder" && command.holderAuthentication !== "secret-answers") {
    return Result.fail(
      new CardPartyNotAllowed({ command: command._tag, party, allowed: transition.by, rule: "a holder unblocks their own card by their secret answers only" }),
    );
  }
  if (command._tag === "Receive" && state?.serial !== undefined && state.serial !== command.serial) {
    return Result.fail(new SerialMismatch({ expected: state.serial, presented: command.serial }));
  }
  return Result.succeed([pastTense(command, today)]);
};

/** Applies an event. */
export const evolve = (state: State | undefined, event: Event): State => {
  const card = state as State;
  switch (event._tag) {
    case "CardOrdered": {
      const { _tag, reason, ...order } = event;
      return { ...order, status: "ordered", lastReason: reason };
    }
    case "CardProductionStarted":
      return { ...card, status: "in-production", serial: event.serial, lastReason: event.reason };
    case "CardShipped":
      return { ...card, status: "shipped", lastReason: event.reason };
    case "CardReceived":
      return { ...card, status: "received", lastReason: event.reason };
    case "CardPersonalisationApproved":
      return { ...card, personalisationApprovedBy: event.approver, lastReason: event.reason };
    case "CardPublished":
      return {
        ...card,
        status: "active",
        handOver: event.handOver,
        certificates: event.certificates,
        ...(event.operatorCard === undefined ? {} : { operatorCard: event.operatorCard }),
        lastReason: event.reason,
      };
    case "CardPinBlocked":
      return { ...card, status: "pin-blocked", lastReason: event.reason };
    case "CardUnblocked":
      return { ...card, status: "active", lastReason: event.reason };
    case "CardCertificatesRenewed":
      return { ...card, certificates: event.certificates, lastReason: event.reason };
    case "CardSuspended":
      return { ...card, status: "suspended", suspendedFrom: card.status, lastReason: event.reason };
    case "CardResumed": {
      const { suspendedFrom, ...resumed } = card;
      return { ...resumed, status: suspendedFrom ?? "active", lastReason: event.reason };
    }
    case "CardRevoked":
      return { ...card, status: "revoked", revocation: { reason: event.revocationReason, on: event.on }, lastReason: event.reason };
    case "CardReplaced":
      return { ...card, status: "replaced", replacedBy: event.by, lastReason: event.reason };
    case "CardExpired":
      return { ...card, status: "expired", lastReason: event.reason };
  }
};

/** Whether the card's certificates are in force (an RGS relying party accepts them). */
export const inForce = (state: State): boolean => state.status === "active" || state.status === "pin-blocked";
