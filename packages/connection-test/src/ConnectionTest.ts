/**
 * The connection test as a mairie's software runs it (DOMAIN.md §3, step 11; §7): log in with the
 * agent's card, fetch the commune's specimen requests, answer each from the specimen file (the
 * fictitious acts the mairie holds), sign it with the card's signature key, send it, and report
 * what the platform says — each step told to `progress` as it happens.
 *
 * The card is worked through the card agent's library (`CardOperations` of `@comedec/card-agent`),
 * the very operations a workstation's agent carries out: the login challenge signed with the
 * authentication key, each response signed with the signature key and the PIN typed for it.
 */
import { Caller } from "@comedec/api-client";
import { type CardFailure, SmartCards } from "@comedec/card";
import { CardOperations } from "@comedec/card-agent";
import { Response, Specimen } from "@comedec/exchange";
import { ExchangeClient } from "@comedec/exchange-client";
import { Contract } from "@comedec/http-contract";
import { Cades } from "@comedec/signed-message";
import { Clock, Effect } from "effect";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** What the test needs. */
export interface Options {
  readonly api: ExchangeClient.ApiOptions;
  readonly commune: string;
  /** The mairie's register for the test: the acts of its specimen file. */
  readonly file: Specimen.SpecimenFile;
  readonly card: { readonly serial: string; readonly pin: string };
  /** Where to keep a copy of each signed response (`<request>.p7s`), for an independent check. */
  readonly keepSigned?: string;
  readonly progress: (line: string) => void;
}

const outcomeNames: Readonly<Record<Response.Outcome["_tag"], string>> = {
  verified: "vérifié conforme",
  corrected: "vérifié avec corrections",
  "not-found": "acte non trouvé",
  "not-held": "acte non détenu par la commune",
};

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** What signing with the card's signature key may fail with: the card's failures, or the PIN missing for it (RGS `pin.before-use`). */
export type SignatureFailure = Effect.Error<ReturnType<typeof CardOperations.signData>>;

/** What the test may fail with: the platform's refusals, the card's failures. */
export type Failure = ExchangeClient.ExchangeError | SignatureFailure | CardFailure;

/** Opens a card session: the platform's challenge signed at the card with its authentication key (the PIN opens the card). */
const login = (options: Options) =>
  Effect.gen(function* () {
    const { call } = Caller.make(options.api, (reason) => new ExchangeClient.ExchangeUnavailable({ reason }));
    const challenge = yield* call(Contract.Sessions.challenge, {});
    const signed = yield* CardOperations.signChallenge({ serial: options.card.serial, pin: options.card.pin, text: challenge.toSign });
    return yield* call(Contract.Sessions.open, {
      body: { challenge: challenge.id, certificate: base64(signed.certificate), signature: base64(signed.signature) },
    });
  });

/** A response signed as CAdES-BES with the card's signature key, the PIN given for this very signature. */
const signResponse = (response: Response.Response, card: Options["card"], chain: ReadonlyArray<Uint8Array>) =>
  Effect.gen(function* () {
    const certificate = yield* SmartCards.use((cards) => cards.readCertificate(card.serial, "signature"));
    const signingTime = new Date(yield* Clock.currentTimeMillis);
    return yield* Cades.sign(Response.toBytes(response), {
      certificate,
      chain,
      signingTime,
      sign: (toBeSigned) => CardOperations.signData({ serial: card.serial, data: toBeSigned, pin: card.pin }),
    });
  });

/** Runs the test; what the platform says of it at the end. */
export const run = (options: Options): Effect.Effect<ExchangeClient.TestStanding, Failure, SmartCards> =>
  Effect.gen(function* () {
    const { progress, card, commune } = options;
    progress(`Connexion avec la carte ${card.serial} (clé d'authentification)…`);
    const session = yield* login(options);
    progress(`Connecté : ${session.actor.name} (${session.actor.role}), session jusqu'à ${session.expiresAt}`);
    const chain = [yield* ExchangeClient.issuingCertificate(options.api)];
    const client = ExchangeClient.make(options.api, session.token);
    const pending = (yield* client.pending(commune, 500)).filter((request) => request.specimen);
    progress(`${pending.length} demande${pending.length > 1 ? "s" : ""} spécimen en attente pour ${commune}`);
    let index = 0;
    for (const request of pending) {
      index++;
      const outcome = Specimen.answer(options.file, request.commune, request);
      const signed = yield* signResponse({ request: request.id, commune: request.commune, outcome }, card, chain);
      if (options.keepSigned !== undefined) writeFileSync(join(options.keepSigned, `${request.id}.p7s`), signed);
      const accepted = yield* client.respond(commune, request.id, signed);
      const verdict = accepted.specimen === undefined ? "" : accepted.specimen.correct ? " — réponse attendue ✓" : " — réponse inattendue ✗";
      progress(`[${index}/${pending.length}] ${request.actType} n° ${request.actReference} : ${outcomeNames[outcome._tag]}, signée et acceptée${verdict}`);
    }
    const standing = yield* client.connectionTest(commune);
    progress(
      standing.passed
        ? `Test de raccordement réussi : ${standing.correct}/${standing.total} réponses attendues, signées par un officier de l'état civil`
        : `Test de raccordement non réussi : ${standing.correct}/${standing.total} réponses attendues (${standing.answered} traitées)`,
    );
    return standing;
  });

/** The smart-card service the run needs. */
export type Requirements = SmartCards;
