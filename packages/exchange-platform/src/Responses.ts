/**
 * A signed response, checked before it is kept (DOMAIN.md §7; décret 2017-890, art. 41):
 *
 * 1. the message is CAdES-BES and its signature holds with the certificate it names;
 * 2. its signing time is after the request was issued and not in the future — a signer cannot
 *    date a signature back to before their card was revoked;
 * 3. that certificate was issued by the platform's CA, valid then, and not revoked at or before
 *    the signing time;
 * 4. it certifies the card's **signature** key, not its authentication key;
 * 5. the signed content is a response to this request, for this commune;
 * 6. its holder may sign for this commune that day: an active officier d'état civil of the
 *    commune, with the right to sign and a delegation valid then (`Signer.refusal`).
 *
 * Each refusal is a `ResponseRejected` naming its rule. An accepted response is kept once, with its
 * signed bytes, in the audit trail; a specimen response also says whether it was answered right,
 * and the last right answer of a specimen file passes the connection test: the `trainingAndTest`
 * milestone is recorded, at once or as soon as its prerequisites are. A specimen answered wrong is
 * answered again, right, without a new file.
 */
import { CertificateAuthority } from "@comedec/card";
import { CalendarDate, InseeCode, Onboarding } from "@comedec/commune";
import { Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { AlreadyAnswered, ExchangeStore, VerificationRequestNotFound, Response, Signer } from "@comedec/exchange";
import { Access } from "@comedec/rgs";
import { Cades } from "@comedec/signed-message";
import { Clock, Effect } from "effect";
import { communeOf, summary } from "./Specimens.js";

/** How far a signing time may be ahead of the platform's clock, or behind the request's issue. */
export const clockSkewMillis = 5 * 60_000;

/** The platform, recording the test passed. */
const platform = Access.platform;

const rejected = (rule: string, reason: string) => new Signer.ResponseRejected({ rule, reason });

/** Records `trainingAndTest` once the connection test passed; what happened, in words. */
const recordTestPassed = (commune: InseeCode.InseeCode) =>
  Effect.gen(function* () {
    const file = yield* ExchangeStore.use((store) => store.specimenFile(commune));
    const grant = yield* Access.authorize(platform, "onboarding.record", { _tag: "commune", commune, departement: InseeCode.departementOf(commune) });
    // Recorded now, or kept by the onboarding until its prerequisites (the first cards) are recorded.
    const passed = Onboarding.RecordConnectionTestPassed.make({
      reference: "test de raccordement : demandes spécimens traitées et signées",
      trainedBy: file?.trainedBy ?? "editor",
    });
    const outcome = yield* OnboardingUseCases.execute(grant, passed);
    const missing = outcome.status.blocked.find((entry) => entry.milestone === "trainingAndTest")?.missing ?? [];
    return missing.length === 0 ? "recorded" : `recorded once ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} recorded`;
  }).pipe(
    Effect.catch((error: { readonly _tag: string; readonly missing?: ReadonlyArray<string> }) =>
      Effect.succeed(
        error._tag === "MilestoneAlreadyRecorded"
          ? "already recorded"
          : error._tag === "PrerequisiteMissing"
            ? `not recorded yet: ${(error.missing ?? []).join(", ")} missing`
            : `not recorded: ${error._tag}`,
      ),
    ),
  );

/** Checks and keeps a signed response to a request of the granted commune. */
export const respond = (grant: Access.Grant<"exchange.respond", "commune">, id: string, signed: Uint8Array) =>
  Effect.gen(function* () {
    const commune = yield* communeOf(grant, "exchange.respond");
    // The message is read first (no database): its signer's serial lets one read fetch the
    // request, the certificate's register entry and its holder together.
    const message = yield* Cades.verify(signed).pipe(Effect.mapError((invalid) => rejected(Signer.rules.signature, invalid.reason)));
    const context = yield* ExchangeStore.use((store) => store.loadForResponse(id, message.serial));
    const stored = context.stored;
    // Another commune's request is none of this one's business: as if it did not exist.
    if (stored.request.commune !== commune) return yield* new VerificationRequestNotFound({ id });
    // Accepted once; a specimen answered wrong may be answered again, without a new file.
    if (stored.answered !== undefined && (stored.answered.passed || !stored.request.specimen)) return yield* new AlreadyAnswered({ id });
    const now = yield* Clock.currentTimeMillis;

    const signedAt = message.signingTime;
    const issuedAt = Date.parse(stored.request.issuedAt);
    if (signedAt.getTime() < issuedAt - clockSkewMillis || signedAt.getTime() > now + clockSkewMillis) {
      return yield* rejected(Signer.rules.signingTime, `signed at ${signedAt.toISOString()}, outside the request's life (issued ${stored.request.issuedAt})`);
    }
    const certificate = yield* CertificateAuthority.use((authority) => authority.checkAt(message.certificate, signedAt, { entry: context.certificate })).pipe(
      Effect.mapError((refused) => rejected(Signer.rules.certificate, `the signer's certificate is ${refused.reason}`)),
    );
    if (certificate.usage !== "signature") {
      return yield* rejected(Signer.rules.signatureKey, "signed with the card's authentication key: a response is signed with its signature key");
    }
    const response = yield* Response.fromBytes(message.content).pipe(Effect.mapError((unreadable) => rejected(Signer.rules.content, unreadable.reason)));
    if (response.request !== id || response.commune !== commune) {
      return yield* rejected(Signer.rules.content, `the signed response answers request ${response.request} of ${response.commune}, not ${id} of ${commune}`);
    }
    const signer = context.signer;
    if (signer === undefined || signer.id !== certificate.holder) return yield* rejected(Signer.rules.signerStatus, "the signer is not in the directory");
    const refusal = Signer.refusal(signer, commune, CalendarDate.ofInstant(signedAt));
    if (refusal !== undefined) return yield* refusal;

    const passed = stored.expected === undefined || Response.sameOutcome(stored.expected, response.outcome);
    yield* ExchangeStore.use((store) =>
      store.answer({
        response,
        signed,
        signer: { agent: signer.id, certificate: certificate.serial },
        signedAt,
        passed,
        actor: grant.actor,
        attempt: (stored.answered?.responses ?? (stored.answered === undefined ? 0 : 1)) + 1,
      }),
    );
    if (!stored.request.specimen) return { request: id, outcome: response.outcome._tag, signer: signer.id, signedAt: signedAt.toISOString() };
    const test = summary(yield* ExchangeStore.use((store) => store.testStatus(commune)));
    const milestone = test.passed ? yield* recordTestPassed(commune) : undefined;
    return {
      request: id,
      outcome: response.outcome._tag,
      signer: signer.id,
      signedAt: signedAt.toISOString(),
      // A wrong answer says what was expected: the test is for learning.
      specimen: { correct: passed, ...(passed ? {} : { expected: stored.expected }) },
      test: { ...test, ...(milestone === undefined ? {} : { milestone }) },
    };
  });
