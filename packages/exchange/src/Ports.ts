/**
 * What the exchange needs kept: the specimen files, the requests with the outcome expected of the
 * specimen ones, and the responses accepted with their signed bytes.
 */
import type { Actor } from "@comedec/actor";
import type { IssuedCertificate, RevokedCertificate } from "@comedec/card";
import type { InseeCode } from "@comedec/commune";
import { Context, type Effect, Schema } from "effect";
import type { VerificationRequest } from "./Request.js";
import type * as Signer from "./Signer.js";
import type { Outcome, Response } from "./Response.js";
import type { Planned, SpecimenFile } from "./Specimen.js";
import { Problem } from "@comedec/actor";

/** A request as kept, with its answer once accepted. */
export interface StoredRequest {
  readonly request: VerificationRequest;
  /** What a specimen request must be answered. */
  readonly expected?: Outcome;
  readonly answered?: {
    readonly outcome: Outcome;
    readonly passed: boolean;
    readonly signer: string;
    readonly signedAt: Date;
    /** How many responses were accepted for it (more than one: a specimen answered wrong, then again). */
    readonly responses?: number;
  };
}

/** What a response is checked against. */
export interface ResponseContext {
  readonly stored: StoredRequest;
  readonly certificate: (IssuedCertificate & { readonly revoked?: RevokedCertificate }) | undefined;
  /** The holder as the signer rules read them (not their identity). */
  readonly signer: Signer.Candidate | undefined;
}

/** Where a commune's connection test stands. */
export interface TestStatus {
  /** Specimen requests made from its current file. */
  readonly total: number;
  readonly answered: number;
  /** Answered as expected. */
  readonly passed: number;
}

/** A response accepted: verified, to be kept with its signed bytes. */
export interface AcceptedResponse {
  readonly response: Response;
  /** The signed message, as received. */
  readonly signed: Uint8Array;
  readonly signer: { readonly agent: string; readonly certificate: string };
  readonly signedAt: Date;
  /** For a specimen request: whether it says what was expected. */
  readonly passed: boolean;
  readonly actor: Actor.Actor;
  /** Which response this is for its request (1 unless a specimen answered wrong is answered again). */
  readonly attempt?: number;
}

/** No such request. */
export class VerificationRequestNotFound extends Schema.TaggedError<VerificationRequestNotFound>()(
  "VerificationRequestNotFound",
  { id: Schema.String },
  Problem.annotation(404, "verification-request-not-found", "Unknown verification request"),
) {}

/** The request was answered already; a response is accepted once. */
export class AlreadyAnswered extends Schema.TaggedError<AlreadyAnswered>()(
  "AlreadyAnswered",
  { id: Schema.String },
  Problem.annotation(409, "already-answered", "The request was answered already"),
) {}

/** The specimen file cannot be taken now; nothing was kept. */
export class SpecimenFileRefused extends Schema.TaggedError<SpecimenFileRefused>()(
  "SpecimenFileRefused",
  { reason: Schema.String },
  Problem.annotation(409, "specimen-file-refused", "The specimen file cannot be taken now"),
) {}

/** The exchange's storage. */
export class ExchangeStore extends Context.Service<
  ExchangeStore,
  {
    /** Keeps the commune's specimen file and its requests, replacing the previous file's unanswered ones; audited. */
    readonly putSpecimenFile: (commune: InseeCode.InseeCode, file: SpecimenFile, planned: ReadonlyArray<Planned>, actor: Actor.Actor) => Effect.Effect<void>;
    readonly specimenFile: (commune: InseeCode.InseeCode) => Effect.Effect<SpecimenFile | undefined>;
    /** The commune's requests waiting for a response, oldest first. */
    readonly pending: (commune: InseeCode.InseeCode, limit: number) => Effect.Effect<ReadonlyArray<VerificationRequest>>;
    /**
     * What a response is checked against, in one read: the request, the register's entry of the
     * signer's certificate, and that certificate's holder in the directory (absent when unknown).
     */
    readonly loadForResponse: (id: string, certificateSerial: string) => Effect.Effect<ResponseContext, VerificationRequestNotFound>;
    /** Keeps an accepted response, once, in the audit trail too. */
    readonly answer: (accepted: AcceptedResponse) => Effect.Effect<void, AlreadyAnswered>;
    readonly testStatus: (commune: InseeCode.InseeCode) => Effect.Effect<TestStatus>;
  }
>()("@comedec/exchange/ExchangeStore") {}
