// An officer's software answering its commune's pending requests: log in with the card, fetch the
// requests, answer each from the register (here the mairie's specimen file), sign the response
// with the card, send it. The virtual cards of the embedded platform here (`Simulator.layer`);
// `Pkcs11.layer({ library })` of @comedec/smartcard-pkcs11 for a real card.
import { Specimen } from "@comedec/exchange";
import { ExchangeClient } from "@comedec/exchange-client";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, Schema } from "effect";
import { readFileSync } from "node:fs";

const environment = (name: string) => process.env[name] ?? `${name} is not set`;
const api = { baseUrl: environment("COMEDEC_API") }; // e.g. http://127.0.0.1:3000
const commune = environment("COMEDEC_COMMUNE"); // e.g. 69123
const card = { serial: environment("COMEDEC_CARD"), pin: environment("COMEDEC_PIN") };
const register = Schema.decodeUnknownSync(Schema.fromJsonString(Specimen.SpecimenFile))(readFileSync(environment("COMEDEC_SPECIMEN_FILE"), "utf8"));

const program = Effect.gen(function* () {
  const session = yield* ExchangeClient.login(api, card);
  const client = ExchangeClient.make(api, session.token);
  const chain = [yield* ExchangeClient.issuingCertificate(api)]; // the issuing CA, carried in each signature
  for (const request of yield* client.pending(commune)) {
    const outcome = Specimen.answer(register, request.commune, request); // what my register says
    const signed = yield* ExchangeClient.signResponse({ request: request.id, commune: request.commune, outcome }, card, chain);
    const accepted = yield* client.respond(commune, request.id, signed);
    console.log(`${request.actType} ${request.actReference}: ${outcome._tag}, accepted`, accepted);
  }
  return yield* client.connectionTest(commune);
}).pipe(
  Effect.catchTag("ResponseRejected", (refusal) => Effect.fail(new Error(`refused by rule ${refusal.rule}: ${refusal.reason}`))),
  Effect.provide(Simulator.layer({ directory: environment("COMEDEC_CARDS") })),
);
console.log(await Effect.runPromise(program));
