/**
 * Issue 6's figure: card logins through the API (certificate checked against the CA and the
 * register, signature over the challenge verified, holder read from the directory, session opened
 * and audited), beside raw ECDSA P-256 verification measured in the same run. The answers are
 * signed beforehand by a virtual card, each for a challenge of its own, so the load measures
 * the platform's side of a login.
 */
import type { Actor } from "@comedec/actor";
import { SmartCards } from "@comedec/card";
import type * as App from "@comedec/api";
import { Sessions } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { load } from "./Load.js";
import { officerCard, pin } from "./Officer.js";
import type { Figure } from "./Report.js";

/** Publishes a card for a new officer of Lyon and signs `count` fresh challenges with it. */
const signedAnswers = (count: number, administrator: Actor.Actor) =>
  Effect.gen(function* () {
    const serial = yield* officerCard(administrator, {
      operatorId: "bench-rc",
      birthName: "Bench",
      givenName: "Agent",
      passport: "BE1234567",
      email: "bench@mairie-lyon.fr",
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
