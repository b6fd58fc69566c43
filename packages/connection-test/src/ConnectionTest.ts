/**
 * The connection test as a mairie's software runs it (DOMAIN.md §3, step 11; §7): log in with the
 * agent's card, fetch the commune's specimen requests, answer each from the specimen file (the
 * fictitious acts the mairie holds), sign it with the card's signature key, send it, and report
 * what the platform says — each step told to `progress` as it happens.
 */
import type { SmartCards } from "@comedec/card";
import { type Response, Specimen } from "@comedec/exchange";
import { ExchangeClient } from "@comedec/exchange-client";
import { Effect } from "effect";
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

/** Runs the test; what the platform says of it at the end. */
export const run = (options: Options): Effect.Effect<ExchangeClient.TestStanding, ExchangeClient.ExchangeError, SmartCards> =>
  Effect.gen(function* () {
    const { progress, card, commune } = options;
    progress(`Connexion avec la carte ${card.serial} (clé d'authentification)…`);
    const session = yield* ExchangeClient.login(options.api, card);
    progress(`Connecté : ${session.actor.name} (${session.actor.role}), session jusqu'à ${session.expiresAt}`);
    const chain = [yield* ExchangeClient.issuingCertificate(options.api)];
    const client = ExchangeClient.make(options.api, session.token);
    const pending = (yield* client.pending(commune, 500)).filter((request) => request.specimen);
    progress(`${pending.length} demande${pending.length > 1 ? "s" : ""} spécimen en attente pour ${commune}`);
    let index = 0;
    for (const request of pending) {
      index++;
      const outcome = Specimen.answer(options.file, request.commune, request);
      const signed = yield* ExchangeClient.signResponse({ request: request.id, commune: request.commune, outcome }, card, chain);
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
