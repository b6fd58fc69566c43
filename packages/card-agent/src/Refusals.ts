/**
 * What the agent refuses, each an error of its own with its problem (RFC 9457): a request from a
 * page it does not serve, a host name that is not its own (DNS rebinding), a request without a
 * valid pairing, an operation without a valid ticket of the paired session. A page of another
 * origin reads none of them: refusals carry no CORS header.
 */
import { Problem } from "@comedec/actor";
import { Schema } from "effect";

/** The request's `Host` is not the agent's own (`127.0.0.1:<port>` or `localhost:<port>`): a rebinding host name, most likely. */
export class HostRefused extends Schema.TaggedError<HostRefused>()(
  "HostRefused",
  { host: Schema.String },
  Problem.annotation<{ readonly host: string }>(
    403,
    "agent-host-refused",
    "The card agent answers on its own host name only",
    (fields) => `host ${fields.host === "" ? "(none)" : fields.host} is not the agent's`,
  ),
) {}

/** The request comes from another page than the configured console, or names no origin. */
export class OriginRefused extends Schema.TaggedError<OriginRefused>()(
  "OriginRefused",
  { origin: Schema.String },
  Problem.annotation<{ readonly origin: string }>(403, "agent-origin-refused", "The card agent serves the configured console only", (fields) =>
    fields.origin === "" ? "the request names no origin" : `origin ${fields.origin} is not the console's`,
  ),
) {}

/** The request carries no pairing (`Comedec-Pairing` header). */
export class PairingMissing extends Schema.TaggedError<PairingMissing>()(
  "PairingMissing",
  {},
  Problem.annotation(401, "agent-pairing-missing", "The card agent is not paired with this page: ask the platform for a pairing"),
) {}

/** The pairing is forged, expired, of another key or for another origin. */
export class PairingInvalid extends Schema.TaggedError<PairingInvalid>()(
  "PairingInvalid",
  { reason: Schema.String },
  Problem.annotation(401, "agent-pairing-invalid", "The pairing is not valid"),
) {}

/** The operation's ticket is missing, forged, expired, or for another operation or card. */
export class TicketInvalid extends Schema.TaggedError<TicketInvalid>()(
  "TicketInvalid",
  { reason: Schema.String },
  Problem.annotation(403, "agent-ticket-invalid", "The operation's ticket is not valid"),
) {}

/** The ticket was issued to another platform session than the pairing's. */
export class TicketOfAnotherSession extends Schema.TaggedError<TicketOfAnotherSession>()(
  "TicketOfAnotherSession",
  {},
  Problem.annotation(403, "agent-ticket-other-session", "The operation was asked by another session than the paired one"),
) {}

/** The ticket was used already: each is good for one operation. */
export class TicketReplayed extends Schema.TaggedError<TicketReplayed>()(
  "TicketReplayed",
  {},
  Problem.annotation(409, "agent-ticket-replayed", "The operation's ticket was used already"),
) {}

/** A certificate to write back is not for the key the card holds for its usage. */
export class CertificateMismatch extends Schema.TaggedError<CertificateMismatch>()(
  "CertificateMismatch",
  { usage: Schema.String, reason: Schema.String },
  Problem.annotation(409, "agent-certificate-mismatch", "The certificate is not for the card's key"),
) {}

/** The sealed secret does not open: sealed for another agent process, or altered. */
export class SealedSecretRefused extends Schema.TaggedError<SealedSecretRefused>()(
  "SealedSecretRefused",
  { reason: Schema.String },
  Problem.annotation(409, "agent-sealed-secret-refused", "The sealed secret is not for this agent"),
) {}

/** The platform could not be reached, or gave no key. */
export class PlatformUnavailable extends Schema.TaggedError<PlatformUnavailable>()(
  "PlatformUnavailable",
  { reason: Schema.String },
  Problem.annotation(502, "agent-platform-unavailable", "The platform could not be reached"),
) {}

/** No card named, and not exactly one card present. */
export class CardNotChosen extends Schema.TaggedError<CardNotChosen>()(
  "CardNotChosen",
  { present: Schema.Int },
  Problem.annotation<{ readonly present: number }>(409, "agent-card-not-chosen", "Name the card", (fields) => `${fields.present} cards present: name one`),
) {}
