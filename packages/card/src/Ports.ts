/**
 * The ports of the card platform. `CardStore` keeps cards and requests (several of them written
 * in one transaction, so a renewal never leaves a new card without its request fulfilled);
 * `CardSecrets` keeps activation codes, secret answers and PUKs, hashed or encrypted, and counts
 * the tries atomically; `CertificateAuthority` is the PKI; `CardNotifications` is the outbox the
 * worker sends from. The use cases themselves are the `CardPlatform` port of `@comedec/pgca`.
 */
import type { Actor, Change } from "@comedec/actor";
import type { Agent } from "@comedec/agent";
import { Context, type Effect, Schema } from "effect";
import type * as Card from "./Card.js";
import type * as Request from "./Request.js";
import type { CardFailure, KeyAlgorithm } from "./SmartCard.js";
import { Problem } from "@comedec/actor";

/** No card with this id (or not visible to the actor). */
export class CardNotFound extends Schema.TaggedError<CardNotFound>()(
  "CardNotFound",
  { card: Schema.String },
  Problem.annotation(404, "card-not-found", "Unknown card"),
) {}

/** No request with this id. */
export class RequestNotFound extends Schema.TaggedError<RequestNotFound>()(
  "RequestNotFound",
  { request: Schema.String },
  Problem.annotation(404, "card-request-not-found", "Unknown card request"),
) {}

/** A record and its version. */
export interface Versioned<S> {
  readonly state: S;
  readonly version: number;
}

/** A write to one record, checked against the version it was based on (0: a new record). */
export interface Write<S, E> {
  readonly expectedVersion: number;
  readonly state: S;
  readonly events: ReadonlyArray<E>;
}

/** Certificates to mark revoked (or, with `certificateHold`, on hold) in the PKI's register, with their reason and instant. */
export interface CertificateRevocation {
  readonly serials: ReadonlyArray<string>;
  readonly reason: Card.CrlReason;
  readonly at: Date;
}

/** Certificates on hold to release (RFC 5280 §5.3.1 removeFromCRL: the next CRL no longer lists them). */
export interface CertificateRelease {
  readonly serials: ReadonlyArray<string>;
  readonly at: Date;
}

/**
 * Writes that succeed together or not at all. `revocations` are the certificates a card's
 * revocation or replacement withdraws: the store marks them revoked in the PKI's register (each in
 * the audit trail) in the same transaction as the cards, so a card is never revoked while its
 * certificates stay good; the CRL is published from the register afterwards.
 */
export interface Commit {
  readonly cards: ReadonlyArray<Write<Card.State, Card.Event>>;
  readonly requests: ReadonlyArray<Write<Request.State, Request.Event>>;
  readonly actor: Actor.Actor;
  readonly revocations?: ReadonlyArray<CertificateRevocation>;
  /** The held certificates a card's resumption releases, in the same transaction. */
  readonly releases?: ReadonlyArray<CertificateRelease>;
}

/** Which cards or requests a listing covers. */
export interface Scope {
  readonly site?: Agent.AgentSite;
  readonly departement?: string;
  readonly holder?: string;
}

/** Cards and requests. */
export class CardStore extends Context.Service<
  CardStore,
  {
    readonly load: (id: string) => Effect.Effect<Versioned<Card.State>, CardNotFound>;
    readonly loadRequest: (id: string) => Effect.Effect<Versioned<Request.State>, RequestNotFound>;
    /** The card in force (active or PIN-blocked) that bears this serial, if any: what a holder's self-unblock starts from. */
    readonly inForceBySerial: (serial: string) => Effect.Effect<Versioned<Card.State> | undefined>;
    /** Writes every record of the commit, or none (`ConcurrentModification` names the first stale one). */
    readonly commit: (commit: Commit) => Effect.Effect<void, Change.ConcurrentModification>;
    /** Cards of a scope, with any status filter, ordered by holder then card id. */
    readonly cards: (
      scope: Scope,
      filter: { readonly status?: ReadonlyArray<Card.Status>; readonly limit: number },
    ) => Effect.Effect<ReadonlyArray<Versioned<Card.State>>>;
    readonly requests: (
      scope: Scope,
      filter: { readonly status?: Request.Status; readonly limit: number },
    ) => Effect.Effect<ReadonlyArray<Versioned<Request.State>>>;
    /** Cards in force whose first certificate ends before `before` (ISO instant). */
    readonly expiring: (scope: Scope, before: string, limit: number) => Effect.Effect<ReadonlyArray<Versioned<Card.State>>>;
    /** Cards in use (in force or suspended) whose first certificate ended before `before` (ISO instant), the oldest end first: the ones to expire. */
    readonly ended: (before: string, limit: number) => Effect.Effect<ReadonlyArray<Versioned<Card.State>>>;
    /** Revocation requests still waiting for validation, submitted before `before` (ISO instant), oldest first, with the instant they were submitted. */
    readonly waitingRevocations: (
      before: string,
      limit: number,
    ) => Effect.Effect<ReadonlyArray<{ readonly request: Request.State; readonly submittedAt: Date }>>;
  }
>()("@comedec/card/CardStore") {}

/** A stored activation code: its hash and salt, tries left, expiry, whether used, and when its letter was produced. */
export interface StoredCode {
  readonly hash: Uint8Array;
  readonly salt: Uint8Array;
  readonly attemptsLeft: number;
  readonly expiresAt: Date;
  readonly used: boolean;
  /** When the letter to the holder was produced: from then on the code exists only as its hash. */
  readonly letterProducedAt?: Date;
}

/** A holder's stored secret questions: the questions in clear, each answer as a hash under the salt. */
export interface StoredQuestions {
  readonly questions: ReadonlyArray<string>;
  readonly answerHashes: ReadonlyArray<Uint8Array>;
  readonly salt: Uint8Array;
  readonly failures: number;
  /** Who set them: an operator's answers never stand for the holder in that operator's own acts. */
  readonly setBy?: string;
}

/**
 * Secrets of the card platform. Codes and answers arrive hashed (slow hashes, by the use cases);
 * this port keeps them, counts the tries atomically, and writes each issue, miss and match to the
 * audit trail in the same transaction (RGS 3*: guessing is bounded and audited).
 */
export class CardSecrets extends Context.Service<
  CardSecrets,
  {
    /**
     * Replaces the card's activation code (a previous one stops working, and so does its letter).
     * `forLetter` is the code in clear: the adapter keeps it sealed only until `takeForLetter`.
     */
    readonly putCode: (
      card: string,
      code: Omit<StoredCode, "used" | "attemptsLeft" | "letterProducedAt"> & { readonly forLetter: string },
      attempts: number,
      actor: Actor.Actor,
    ) => Effect.Effect<void>;
    /**
     * Gives the code in clear once, for its letter, and erases it in the same transaction, which
     * records `ActivationLetterProduced` in the audit trail; `undefined` when there is no code or
     * its letter was produced already (a second caller racing the first gets `undefined`).
     */
    readonly takeForLetter: (card: string, actor: Actor.Actor) => Effect.Effect<{ readonly code: string; readonly expiresAt: Date } | undefined>;
    readonly code: (card: string) => Effect.Effect<StoredCode | undefined>;
    /**
     * One try of the card's code, atomic: the stored code is locked, `judge` decides on it (its
     * failure refuses the try uncounted, `false` is a miss), a miss is counted and audited, and
     * only then is the lock released, so parallel tries are judged one after the other. The judge
     * runs under the lock: hash the typed secret before, and only compare there.
     */
    readonly tryCode: <E>(
      card: string,
      judge: (stored: StoredCode | undefined) => Effect.Effect<boolean, E>,
      actor: Actor.Actor,
    ) => Effect.Effect<{ readonly matched: boolean; readonly attemptsLeft: number }, E>;
    /** Marks the code used; false when another request used it first, or it is burned or expired. */
    readonly codeUsed: (card: string, actor: Actor.Actor) => Effect.Effect<boolean>;
    readonly putQuestions: (holder: string, questions: Omit<StoredQuestions, "failures" | "setBy">, actor: Actor.Actor) => Effect.Effect<void>;
    readonly questions: (holder: string) => Effect.Effect<StoredQuestions | undefined>;
    /**
     * One try of the holder's answers, atomic as `tryCode`: a miss counts a failure, a match
     * clears them; returns whether it matched and the failures so far.
     */
    readonly tryAnswers: <E>(
      holder: string,
      judge: (stored: StoredQuestions | undefined) => Effect.Effect<boolean, E>,
      actor: Actor.Actor,
    ) => Effect.Effect<{ readonly matched: boolean; readonly failures: number }, E>;
    /** Keeps the card's PUK, encrypted at rest by the adapter. */
    readonly putPuk: (card: string, puk: string) => Effect.Effect<void>;
    readonly puk: (card: string) => Effect.Effect<string | undefined>;
  }
>()("@comedec/card/CardSecrets") {}

/** Who a certificate is for: the directory's identity and site. */
export interface Subject {
  readonly holder: string;
  readonly givenName: string;
  readonly surname: string;
  readonly site: Agent.AgentSite;
  readonly card: string;
}

/** The certificate request was refused (proof of possession, weak key, subject). */
export class CertificateRefused extends Schema.TaggedError<CertificateRefused>()(
  "CertificateRefused",
  {
    reason: Schema.String,
    /** The RGS rule the request breaks, when one does (`crypto.key`, `crypto.hash`). */
    rule: Schema.optionalKey(Schema.String),
  },
  Problem.annotation(422, "certificate-refused", "The certificate request was refused"),
) {}

/** An issued certificate. */
export interface Issued {
  readonly der: Uint8Array;
  readonly ref: Card.CertificateRef;
}

/** A certificate issued from a CSR, with the public key it certifies (SubjectPublicKeyInfo, DER). */
export interface IssuedFromCsr extends Issued {
  readonly publicKey: Uint8Array;
}

/** The PKI, as the card platform uses it. */
export class CertificateAuthority extends Context.Service<
  CertificateAuthority,
  {
    /**
     * Issues a certificate for a key generated on the card. The CA asks the card to sign a
     * certificate request with that key (proof of possession) before it signs anything.
     */
    readonly issueForCard: (request: {
      readonly subject: Subject;
      readonly usage: Card.KeyUsage;
      readonly algorithm: KeyAlgorithm;
      readonly publicKey: Uint8Array;
      readonly signWithCardKey: (data: Uint8Array) => Effect.Effect<Uint8Array, CardFailure>;
    }) => Effect.Effect<Issued, CertificateRefused | CardFailure>;
    /**
     * Issues a certificate from a CSR the card signed at the workstation (the card agent, ADR 0016).
     * The CA checks the request's signature by its own key (proof of possession), the key rules
     * (`crypto.key`), that the key is of the algorithm the platform asked the card for, and that it
     * names exactly the subject the platform decided for this usage; the profile is the usage's.
     */
    readonly issueFromCsr: (request: {
      readonly csr: Uint8Array;
      readonly subject: Subject;
      readonly usage: Card.KeyUsage;
      readonly algorithm: KeyAlgorithm;
    }) => Effect.Effect<IssuedFromCsr, CertificateRefused>;
    /** Revokes certificates (or puts them on hold, `certificateHold`); the next CRL lists them. */
    readonly revoke: (serials: ReadonlyArray<string>, reason: Card.CrlReason, at: Date) => Effect.Effect<void>;
    /** Releases certificates on hold; the next CRL, published now, no longer lists them. */
    readonly release: (serials: ReadonlyArray<string>, at: Date) => Effect.Effect<void>;
    /**
     * Checks a certificate presented by a relying party's user at `at`: issued by this CA (chain
     * and signature), within its validity, registered and not revoked. Gives what it certifies.
     */
    readonly check: (der: Uint8Array, at: Date) => Effect.Effect<CheckedCertificate, CertificateRefused>;
    /**
     * Checks the certificate of a signature made at `signedAt`: issued by this CA, valid then,
     * registered, and not revoked at or before that instant — a revocation after the signature
     * leaves it good. (The caller bounds `signedAt`: a signer could claim any time.) A caller that
     * read the register's entry in the same round trip as its own data passes it as `registered`.
     */
    readonly checkAt: (
      der: Uint8Array,
      signedAt: Date,
      registered?: { readonly entry: (IssuedCertificate & { readonly revoked?: RevokedCertificate }) | undefined },
    ) => Effect.Effect<CheckedCertificate, CertificateRefused>;
  }
>()("@comedec/card/CertificateAuthority") {}

/** What a checked certificate certifies. */
export interface CheckedCertificate {
  readonly serial: string;
  readonly holder: string;
  readonly card: string;
  readonly usage: Card.KeyUsage;
  /** The certified public key (SubjectPublicKeyInfo, DER). */
  readonly publicKey: Uint8Array;
}

/**
 * A message for a site's mailbox (sent by the worker; read through the API in embedded mode). It
 * never carries a secret: an `activation-code` notification says a code was issued or its letter
 * produced, and when — the code itself reaches the holder by the letter only.
 */
export interface Notification {
  readonly site: Agent.AgentSite;
  readonly kind:
    | "activation-code"
    | "request-waiting"
    | "card-published"
    | "card-revoked"
    | "certificate-expiring"
    | "appointment-invitation"
    | "deadline-reminder"
    | "deadline-digest"
    | "appointment-moved"
    | "named-in-convention"
    | "connection-date-recorded"
    | "commune-connected"
    | "commune-late"
    | "request-decided";
  readonly subject: string;
  readonly body: string;
  /** Who it is for; absent, the site's card operators. */
  readonly recipients?: Recipients;
  /** What it was made from (`event:<position>`), when made by the worker from the event log: made once. */
  readonly source?: string;
}

/**
 * Who a notification is for: the agents it concerns (by AGAEC id, mailed at their contact in the
 * directory), the site's card operators when they must act, and addresses outside the directory
 * (a person a convention names, not yet registered). One nobody can receive is kept, never marked
 * sent, and listed to the national operator.
 */
export interface Recipients {
  readonly agents?: ReadonlyArray<string>;
  readonly operators?: boolean;
  readonly addresses?: ReadonlyArray<string>;
}

/** A notification in a site's mailbox. */
export interface Delivered extends Notification {
  readonly id: string;
  readonly createdAt: Date;
  /** When the worker delivered it (by mail, or to the mailbox alone in embedded mode). */
  readonly sentAt?: Date;
}

/** The notification outbox (bodies encrypted at rest by the adapter: they carry personal data). */
export class CardNotifications extends Context.Service<
  CardNotifications,
  {
    /** Queues a notification; one with the `source` of an earlier one is not queued again. */
    readonly send: (notification: Notification) => Effect.Effect<void>;
    /** A site's mailbox, newest first. */
    readonly inbox: (site: Agent.AgentSite, limit: number) => Effect.Effect<ReadonlyArray<Delivered>>;
    /** The notifications not yet delivered by mail, oldest first (after the one of id `after`, when given). */
    readonly unsent: (limit: number, after?: string) => Effect.Effect<ReadonlyArray<Delivered>>;
    /** Records notifications delivered; how many were not already. */
    readonly markSent: (ids: ReadonlyArray<string>) => Effect.Effect<number>;
  }
>()("@comedec/card/CardNotifications") {}

/** What the PKI keeps of a certificate it issued. */
export interface IssuedCertificate {
  readonly serial: string;
  readonly card: string;
  readonly holder: string;
  readonly usage: Card.KeyUsage;
  readonly notAfter: Date;
  readonly der: Uint8Array;
}

/** A revoked certificate, as a CRL lists it. */
export interface RevokedCertificate {
  readonly serial: string;
  readonly revokedAt: Date;
  /** `certificateHold` while the card is suspended. */
  readonly reason: Card.CrlReason;
}

/** A published certificate revocation list. */
export interface PublishedCrl {
  readonly number: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: number;
  readonly der: Uint8Array;
}

/** A certificate still unrevoked although its card is revoked or its holder deleted: the reconciliation revokes it. */
export interface WithdrawnCertificate {
  readonly serial: string;
  readonly card: string;
  readonly holder: string;
  readonly cause: "card-revoked" | "agent-deleted";
  /** When the card was revoked or the holder deleted: the 24-hour deadline runs from here. */
  readonly since: Date;
  readonly reason: Card.RevocationReason;
}

/**
 * The PKI's register of issued and revoked certificates, and of its CRLs (persistence implements
 * it, recording each issuance, revocation and CRL in the audit trail in the same statement). A
 * certificate of a revoked card or of a deleted holder reads as revoked (`find`, `revokedAt`) from
 * then, even before its own revocation is recorded.
 */
export class CertificateRegistry extends Context.Service<
  CertificateRegistry,
  {
    readonly record: (certificate: IssuedCertificate) => Effect.Effect<void>;
    /**
     * Marks certificates revoked; a serial already revoked keeps its first date and reason. A hold
     * (`certificateHold`) applies to certificates in force only; a revocation of a held certificate
     * replaces the hold's reason and keeps its date (the certificate was out of use since then).
     */
    readonly revoke: (serials: ReadonlyArray<string>, reason: Card.CrlReason, at: Date) => Effect.Effect<void>;
    /**
     * Releases the certificates on hold among these (the others are left as they are): they are in
     * force again, and the next CRL no longer lists them. A register without it cannot release.
     */
    readonly release?: (serials: ReadonlyArray<string>, at: Date) => Effect.Effect<void>;
    readonly find: (serial: string) => Effect.Effect<(IssuedCertificate & { readonly revoked?: RevokedCertificate }) | undefined>;
    /** Every revoked certificate not yet past its end of validity at `at`. */
    readonly revokedAt: (at: Date) => Effect.Effect<ReadonlyArray<RevokedCertificate>>;
    /** The next CRL number: unique and increasing, even across processes. */
    readonly nextCrlNumber: Effect.Effect<bigint>;
    readonly saveCrl: (crl: PublishedCrl) => Effect.Effect<void>;
    /** The CRL with the highest number, if any was published. */
    readonly latestCrl: Effect.Effect<PublishedCrl | undefined>;
    /** The certificates of revoked cards and deleted holders not revoked themselves, oldest first. */
    readonly withdrawn: Effect.Effect<ReadonlyArray<WithdrawnCertificate>>;
    /**
     * The serials of a card's certificates not revoked (on hold included): what a key operation
     * checks before it issues new ones, so that none issued for keys the card no longer holds (an
     * attempt the process stopped in) stays valid. A register without it lists none.
     */
    readonly unrevokedOf?: (card: string) => Effect.Effect<ReadonlyArray<string>>;
    /**
     * Whether a certificate was revoked after the latest CRL was numbered (its publication did not
     * run, or has not finished): the next read publishes a new CRL rather than serve the latest.
     * A register without it is taken as always published.
     */
    readonly unpublished?: Effect.Effect<boolean>;
  }
>()("@comedec/card/CertificateRegistry") {}
