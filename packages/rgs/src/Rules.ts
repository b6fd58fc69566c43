/**
 * The RGS 3* rules the platform applies (DOMAIN.md §6), as data: each with a stable id, its source
 * (the RGS v2.0 annex and section, or the law), what it says, and a pure check the code that
 * enforces it calls and the tests exercise. A refusal names the rule's id, so a registration
 * officer and an auditor read the same thing. The figures follow the annexes as DOMAIN.md states
 * them; check the annex before changing one.
 */
import { Problem } from "@comedec/actor";
import { pinProblem } from "@comedec/card";
import { Effect, Schema } from "effect";
import { type KeyDescription, keyViolation, hashViolation } from "./Cryptography.js";

/** A breach of a rule, with what was found. */
export interface Violation {
  readonly rule: string;
  readonly detail: string;
}

/** One rule: id, source, text, and the check of one situation. */
export interface Rule<S> {
  readonly id: string;
  readonly source: string;
  readonly text: string;
  readonly check: (situation: S) => Violation | undefined;
}

const day = 86_400_000;

const rule = <S>(id: string, source: string, text: string, broken: (situation: S) => string | undefined): Rule<S> => ({
  id,
  source,
  text,
  check: (situation) => {
    const detail = broken(situation);
    return detail === undefined ? undefined : { rule: id, detail };
  },
});

/** Every rule, by name. */
export const rules = {
  keySize: rule<{ readonly key: KeyDescription; readonly on: Date }>(
    "crypto.key",
    "RGS v2.0 annexe B1, RègleFact-1 et RègleECp-1",
    "RSA keys of 2048 bits until the end of 2030 and 3072 after; elliptic curves of at least 256 bits.",
    ({ key, on }) => keyViolation(key, on)?.text,
  ),
  hash: rule<{ readonly hash: string }>("crypto.hash", "RGS v2.0 annexe B1, RègleHash-1", "Hashes of at least 256 bits; never SHA-1.", ({ hash }) =>
    hashViolation(hash) === undefined ? undefined : `${hash} is not accepted`,
  ),
  separateKeys: rule<{ readonly authentication: string; readonly signature: string }>(
    "certificate.separate-keys",
    "RGS v2.0 annexe A2, §6.1.7 (objectifs d'usage de la clé)",
    "Authentication and signature use two key pairs and two certificates; one certificate never serves both.",
    ({ authentication, signature }) => (authentication === signature ? "the same key serves authentication and signature" : undefined),
  ),
  certificateValidity: rule<{ readonly notBefore: Date; readonly notAfter: Date; readonly issuerNotAfter: Date }>(
    "certificate.validity",
    "RGS v2.0 annexe A2, §6.3.2 (durées de vie des certificats)",
    "An agent's certificate is valid three years at most, and never past its CA's.",
    ({ notBefore, notAfter, issuerNotAfter }) =>
      notAfter.getTime() - notBefore.getTime() > 3 * 365 * day + day
        ? "valid longer than three years"
        : notAfter > issuerNotAfter
          ? "valid past its CA"
          : undefined,
  ),
  pinBeforeUse: rule<{ readonly usage: "authentication" | "signature"; readonly pinGiven: boolean; readonly loggedIn: boolean }>(
    "pin.before-use",
    "RGS v2.0 annexe A2, §6.2.8 (activation des clés privées)",
    "A private key is used only after its PIN; the signature key asks for it at every use.",
    ({ usage, pinGiven, loggedIn }) =>
      usage === "signature" ? (pinGiven ? undefined : "the signature key needs the PIN now") : loggedIn ? undefined : "no PIN entered",
  ),
  pinFormat: rule<{ readonly pin: string }>(
    "pin.format",
    "RGS v2.0 annexe A2, §6.4.1 (génération et installation des données d'activation)",
    "A PIN has 6 to 12 digits, is neither one digit repeated nor a run, and the card locks after 3 wrong PINs (10 for the PUK).",
    ({ pin }) => pinProblem(pin),
  ),
  faceToFace: rule<{ readonly faceToFace: boolean; readonly checkedBy: string | undefined }>(
    "identity.face-to-face",
    "RGS v2.0 annexe A2, §3.2.3 (validation de l'identité d'un individu)",
    "Before a first card, the holder's identity document is checked face to face by a registration authority, who is named.",
    ({ faceToFace, checkedBy }) =>
      !faceToFace
        ? "the document was not checked face to face"
        : checkedBy === undefined || checkedBy.length === 0
          ? "nobody is named for the check"
          : undefined,
  ),
  fourEyes: rule<{ readonly decidedBy: string; readonly requestedBy: string; readonly concerns: string }>(
    "roles.four-eyes",
    "RGS v2.0 annexe A2, §5.2.2 (nombre de personnes requises par tâche)",
    "Nobody validates a request they made or that concerns them.",
    ({ decidedBy, requestedBy, concerns }) =>
      decidedBy === requestedBy ? "the requester decides" : decidedBy === concerns ? "the person concerned decides" : undefined,
  ),
  noSelfGrant: rule<{ readonly actor: string; readonly subject: string; readonly rightsChanged: boolean }>(
    "roles.no-self-grant",
    "RGS v2.0 annexe A2, §5.2.1 (rôles de confiance)",
    "Nobody grants themselves privileges.",
    ({ actor, subject, rightsChanged }) => (rightsChanged && actor === subject ? "an actor changes their own rights" : undefined),
  ),
  dualControl: rule<{ readonly operation: string; readonly confirmedBy: ReadonlyArray<string> }>(
    "roles.dual-control",
    "RGS v2.0 annexe A2, §5.2.2 (nombre de personnes requises par tâche)",
    "Sensitive operations (CA key operations, a holder's card personalised by the prefecture, the revocation of an operator's card) are confirmed by two distinct trusted people.",
    ({ operation, confirmedBy }) => (new Set(confirmedBy).size >= 2 ? undefined : `${operation} needs a second trusted person, distinct from the first`),
  ),
  roleSeparation: rule<{ readonly holders: Readonly<Record<string, ReadonlyArray<string>>> }>(
    "roles.separation",
    "RGS v2.0 annexe A2, §5.2.4 (rôles exigeant une séparation des attributions)",
    "Trusted roles are kept apart: whoever verifies the audit trail holds no permission that changes state (registration, revocation, validation, administration).",
    ({ holders }) => {
      const auditors = holders["audit.verify"] ?? [];
      for (const [permission, roles] of Object.entries(holders)) {
        if (permission.startsWith("audit.") || permission.endsWith(".read")) continue;
        const both = roles.find((role) => auditors.includes(role));
        if (both !== undefined) return `the role ${both} both audits and holds ${permission}`;
      }
      return undefined;
    },
  ),
  revocationDelay: rule<{ readonly requestedAt: Date; readonly publishedAt: Date | undefined; readonly now: Date }>(
    "revocation.24-hours",
    "RGS v2.0 annexe A2, §4.9.5 (délai de traitement d'une demande de révocation)",
    "A revocation request is processed and published within 24 hours.",
    ({ requestedAt, publishedAt, now }) =>
      (publishedAt ?? now).getTime() - requestedAt.getTime() > day ? "more than 24 hours between the request and the publication" : undefined,
  ),
  crlAge: rule<{ readonly thisUpdate: Date; readonly now: Date }>(
    "crl.24-hours",
    "RGS v2.0 annexe A2, §4.9.7 (fréquence de publication des LCR)",
    "A CRL is published at least every 24 hours, and at once after a revocation.",
    ({ thisUpdate, now }) => (now.getTime() - thisUpdate.getTime() > day ? "the latest CRL is older than 24 hours" : undefined),
  ),
} as const;

/**
 * An operation refused by a rule of the policy: `rule` is its id, `reason` what was found (not
 * `detail`, which RFC 9457 reserves for the problem's own text).
 */
export class RuleBroken extends Schema.TaggedError<RuleBroken>()(
  "RuleBroken",
  { rule: Schema.String, reason: Schema.String },
  Problem.annotation<{ readonly rule: string; readonly reason: string }>(
    403,
    "rgs-rule-broken",
    "Refused by a rule of the RGS 3* policy",
    (fields) => `${fields.rule}: ${fields.reason}`,
  ),
) {}

/** Checks a rule on a situation: fails with `RuleBroken`, naming the rule, when it is broken. */
export const enforce = <S>(rule: Rule<S>, situation: S): Effect.Effect<void, RuleBroken> => {
  const violation = rule.check(situation);
  return violation === undefined ? Effect.void : Effect.fail(new RuleBroken({ rule: violation.rule, reason: violation.detail }));
};

/** How long records are kept (RGS v2.0 annexe A2, §5.5.2), from when. */
export const retention = {
  eventLog: { id: "retention.event-log", years: 7, from: "the event" },
  registrationFile: { id: "retention.registration-file", years: 10, from: "the expiry of the holder's last certificate" },
  certificatesAndCrls: { id: "retention.certificates", years: 5, from: "the certificate's or CRL's expiry" },
} as const;

/** Whether a record of a kind may be purged on a day: only once its retention has run out. */
export const purgeable = (kind: keyof typeof retention, since: Date, on: Date): boolean => {
  const until = new Date(since);
  until.setUTCFullYear(until.getUTCFullYear() + retention[kind].years);
  return on >= until;
};
