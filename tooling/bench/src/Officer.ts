/**
 * An officer of Lyon with a card handed over, as the benches that sign with a card need one:
 * registered face to face, the card ordered, made, shipped, received, its personalisation approved
 * by a second operator of the mairie (the one who registered and ordered never publishes alone) and
 * handed over with its activation code at a desk of this process (`Desk`: the card agent's
 * operations under the card platform's use cases, as the console and the agent do it).
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name KeyOperations (TS2742 otherwise)
import type { KeyOperations } from "@comedec/card";
import { ActivationLetters, Local } from "@comedec/pgca";
import { Desk } from "@comedec/platform";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

export const lyon = { _tag: "commune", commune: "69123" } as const;
/** The PIN every bench card is given. */
export const pin = "482915";

/** Publishes a card for a new officer of Lyon, the one named; the card's serial. */
export const officerCard = (
  administrator: Actor.Actor,
  officer: { readonly operatorId: string; readonly birthName: string; readonly givenName: string; readonly passport: string; readonly email: string },
) =>
  Effect.gen(function* () {
    const operator = Actor.Actor.make({ id: officer.operatorId, name: "Benchmark", role: "commune-operator", site: lyon });
    const deputy = Actor.Actor.make({ id: `${officer.operatorId}-delegue`, name: "Benchmark (délégué)", role: "commune-operator", site: lyon });
    const today = new Date().toISOString().slice(0, 10);
    const registration = {
      identity: {
        birthName: officer.birthName,
        givenNames: [officer.givenName],
        sex: "F",
        birthDate: "1980-01-01",
        placeOfBirth: { _tag: "abroad", country: "BE", city: "Liège" },
      },
      document: {
        type: "passeport",
        number: officer.passport,
        issuingAuthority: "Consulat",
        expiresOn: "2035-01-01",
        holder: { birthName: officer.birthName.toUpperCase(), givenNames: [officer.givenName], birthDate: "1980-01-01" },
        check: { by: officer.operatorId, on: today, faceToFace: true },
      },
      contact: { email: officer.email },
      site: lyon,
      profile: { _tag: "officer", basis: { _tag: "deputy" } },
      rights: ["receive-requests", "sign-responses"],
    } as unknown as Agent.Registration;
    const holder = (yield* Directory.forActor(operator, (agaec) => agaec.register(registration))).state.id;
    const byOperator = yield* Local.make(operator);
    const byAnts = yield* Local.make(administrator);
    const ordered = yield* byOperator.order({ holder, reason: "banc d'essai" });
    const serial = (yield* byAnts.startProduction(ordered.state.id, "fabrication")).state.serial as string;
    yield* byAnts.ship(ordered.state.id, "envoi");
    yield* byOperator.receive(ordered.state.id, serial, "reçue");
    // The code, the holder's way: from the letter ANTS's mail room produces once.
    const grant = yield* Access.authorize(administrator, "card.produce", Access.nation);
    const code = ActivationLetters.codeOf(yield* ActivationLetters.produce(grant, ordered.state.id)) as string;
    yield* (yield* Local.make(deputy)).approvePersonalisation(ordered.state.id, "second contrôle");
    yield* Desk.publish(operator, ordered.state.id, {
      activationCode: code,
      pin,
      handOver: { document: { type: "passeport", number: officer.passport }, place: "mairie" },
      reason: "remise",
    });
    return serial;
    // A bench's setup that fails has nothing to measure.
  }).pipe(Effect.orDie);
