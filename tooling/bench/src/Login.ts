/**
 * Issue 6's figure: card logins through the API (certificate checked against the CA and the
 * register, signature over the challenge verified, holder read from the directory, session opened
 * and audited), beside raw ECDSA P-256 verification measured in the same run. The answers are
 * signed beforehand by a virtual card, each for a challenge of its own, so the load measures
 * the platform's side of a login.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { CardNotifications, SmartCards } from "@comedec/card";
import { Local } from "@comedec/pgca";
import type * as App from "@comedec/api";
import { Sessions } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { load } from "./Load.js";
import type { Figure } from "./Report.js";

const lyon = { _tag: "commune", commune: "69123" } as const;
const pin = "482915";

/** Publishes a card for a new officer of Lyon and signs `count` fresh challenges with it. */
const signedAnswers = (count: number, administrator: Actor.Actor) =>
  Effect.gen(function* () {
    const operator = Actor.Actor.make({ id: "bench-rc", name: "Benchmark", role: "commune-operator", site: lyon });
    const today = new Date().toISOString().slice(0, 10);
    const registration = {
      identity: {
        birthName: "Bench",
        givenNames: ["Agent"],
        sex: "F",
        birthDate: "1980-01-01",
        placeOfBirth: { _tag: "abroad", country: "BE", city: "Liège" },
      },
      document: {
        type: "passeport",
        number: "BE1234567",
        issuingAuthority: "Consulat",
        expiresOn: "2035-01-01",
        holder: { birthName: "BENCH", givenNames: ["Agent"], birthDate: "1980-01-01" },
        check: { by: "bench-rc", on: today, faceToFace: true },
      },
      contact: { email: "bench@mairie-lyon.fr" },
      site: lyon,
      profile: { _tag: "officer", basis: { _tag: "deputy" } },
      rights: ["sign-responses"],
    } as unknown as Agent.Registration;
    const holder = (yield* Directory.forActor(operator, (agaec) => agaec.register(registration))).state.id;
    const byOperator = yield* Local.make(operator);
    const byAnts = yield* Local.make(administrator);
    const ordered = yield* byOperator.order({ holder, reason: "banc d'essai" });
    const serial = (yield* byAnts.startProduction(ordered.state.id, "fabrication")).state.serial as string;
    yield* byAnts.ship(ordered.state.id, "envoi");
    yield* byOperator.receive(ordered.state.id, serial, "reçue");
    const inbox = yield* CardNotifications.use((notifications) => notifications.inbox(lyon as never, 50));
    const code = /Code d'activation : ([0-9A-Z-]+)/.exec(inbox.find((item) => item.body.includes(serial))?.body ?? "")?.[1] as string;
    yield* byOperator.publish(ordered.state.id, {
      activationCode: code,
      pin,
      handOver: { document: { type: "passeport", number: "BE1234567" }, place: "mairie" },
      reason: "remise",
    });
    const cards = yield* SmartCards;
    yield* cards.login(serial, pin);
    const certificate = Buffer.from(yield* cards.readCertificate(serial, "authentication")).toString("base64");
    const sessions = yield* Sessions.CardSessions;
    return yield* Effect.forEach(Array.from({ length: count }), () =>
      Effect.gen(function* () {
        const challenge = yield* sessions.challenge;
        const signature = yield* cards.sign(serial, "authentication", Sessions.signedText(challenge));
        return { challenge: challenge.id, certificate, signature: Buffer.from(signature).toString("base64") };
      }),
    );
  });

/** Raw ECDSA P-256 verifications per second, one thread, on the machine under the same load. */
const rawVerifications = (seconds: number) => {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const key = createPublicKey(publicKey.export({ format: "pem", type: "spki" }));
  const data = Buffer.from("COMEDEC login challenge");
  const signature = sign("sha256", data, privateKey);
  const until = performance.now() + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    verify("sha256", data, key, signature);
    count += 1;
  }
  return count / seconds;
};

/** Card logins through the API against raw ECDSA verification. */
export const loginFigure = async (
  runtime: ManagedRuntime.ManagedRuntime<App.Services, never>,
  options: { readonly port: number; readonly seconds: number; readonly connections: number; readonly administrator: Actor.Actor },
): Promise<Figure> => {
  const answers = await runtime.runPromise(signedAnswers(25_000, options.administrator));
  let next = 0;
  const login = () => {
    const answer = answers[next++];
    if (answer === undefined) throw new Error("ran out of signed challenges: shorten the run");
    return { method: "POST" as const, path: "/sessions", body: answer };
  };
  const platform = await load({ port: options.port, connections: options.connections, seconds: options.seconds, next: login });
  if (platform.failures > 0) throw new Error(`${platform.failures} logins failed`);
  const raw = rawVerifications(2);
  return {
    name: `card logins through the API: certificate, signature, directory, session (${options.connections} connections, ${options.seconds} s; p99 ${platform.p99Ms} ms)`,
    unit: "login/s",
    platform: platform.perSecond,
    raw,
    rawName: "raw ECDSA P-256 verifications, one thread",
    goal: { value: 1000, better: "higher" },
  };
};
