/**
 * Issue 6's figure: card logins through the API (certificate checked against the CA and the
 * register, signature over the challenge verified, holder read from the directory, session opened
 * and audited), beside a raw route measured in the same run. The answers are
 * signed beforehand by a virtual card, each for a challenge of its own, so the load measures
 * the platform's side of a login; its raw route verifies the same signature and writes one row.
 */
import type { Actor } from "@comedec/actor";
import { SmartCards } from "@comedec/card";
import type * as App from "@comedec/api";
import { Sessions } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { load } from "./Load.js";
import { officerCard, pin } from "./Officer.js";
import { type Figure, httpRatioGoal } from "./Report.js";

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
    const answers = yield* Effect.forEach(Array.from({ length: count }), () =>
      Effect.gen(function* () {
        const challenge = yield* sessions.challenge;
        const signature = yield* cards.sign(serial, "authentication", Sessions.signedText(challenge));
        return { challenge: challenge.id, certificate, signature: Buffer.from(signature).toString("base64") };
      }),
    );
    // The raw route's input: one more answer, with the text it signs.
    const text = Sessions.signedText(yield* sessions.challenge);
    const signature = yield* cards.sign(serial, "authentication", text);
    return { answers, raw: { data: Buffer.from(text).toString("base64"), certificate, signature: Buffer.from(signature).toString("base64") } };
  });

/**
 * The i-th client's address, as the reverse proxy in front of the API forwards it: the platform
 * counts logins per client (60 a minute), and behind a proxy a deployment's clients are the town
 * halls' and prefectures' workstations, not one address. Each login of the load comes from a
 * client of its own, so the limit is counted as in production and never reached.
 */
const clientAddress = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

/** Card logins through the API against a raw route verifying the same kind of signature and writing one row. */
export const loginFigure = async (
  runtime: ManagedRuntime.ManagedRuntime<App.Services, never>,
  options: { readonly port: number; readonly seconds: number; readonly connections: number; readonly administrator: Actor.Actor },
): Promise<Figure> => {
  const { answers, raw: rawAnswer } = await runtime.runPromise(signedAnswers(25_000, options.administrator));
  const logins = answers.map((answer, index) => ({ method: "POST" as const, path: "/sessions", body: answer, forwardedFor: clientAddress(index) }));
  // The raw route verifies one answer's signature with its certificate's key and inserts one row.
  const rawLogin = { method: "POST" as const, path: "/raw/sessions", body: rawAnswer };
  const common = { port: options.port, connections: options.connections, seconds: options.seconds };
  // Each challenge is answered once: the warm-up and the measure take answers of their own.
  const warmUp = 3_000;
  await load({ ...common, seconds: 1, requests: logins.slice(0, warmUp), cycle: false, label: "warm-up logins" });
  await load({ ...common, seconds: 1, requests: [rawLogin], cycle: true, label: "warm-up /raw/sessions" });
  const raw = await load({ ...common, requests: [rawLogin], cycle: true, label: "/raw/sessions" });
  const platform = await load({ ...common, requests: logins.slice(warmUp), cycle: false, label: "logins" });
  if (platform.failures + raw.failures > 0) throw new Error(`logins failed: ${platform.failures} through the API, ${raw.failures} raw`);
  return {
    name: `card logins through the API: certificate, signature, directory, session (${options.connections} connections, ${options.seconds} s, one client address each; p99 ${platform.p99Ms.toFixed(1)} ms vs ${raw.p99Ms.toFixed(1)} ms)`,
    unit: "login/s",
    platform: platform.perSecond,
    raw: raw.perSecond,
    rawName: "Hono route: raw ECDSA P-256 verify of the answer + INSERT",
    goal: { value: 1000, better: "higher" },
    ratioGoal: httpRatioGoal,
    cpu: { platform: platform.serverCpuUs, raw: raw.serverCpuUs },
  };
};
