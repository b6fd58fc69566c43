/**
 * Issue 6's figure: card logins through the API (certificate checked against the CA and the
 * register, signature over the challenge verified, holder read from the directory, session opened
 * and audited), beside a raw route measured in the same run. The answers are
 * signed beforehand by a virtual card, each for a challenge of its own, so the load measures
 * the platform's side of a login; its raw route runs the same statements and the same verification by hand.
 */
import type { Actor } from "@comedec/actor";
import { SmartCards } from "@comedec/card";
import type * as App from "@comedec/api";
import { Sessions } from "@comedec/rgs";
import { Effect, type ManagedRuntime } from "effect";
import { load } from "./Load.js";
import { officerCard, pin } from "./Officer.js";
import { type Figure, httpRatioGoal } from "./Report.js";

/** Publishes a card for a new officer of Lyon; `answers(count)` signs that many fresh challenges with it. */
const officerAnswers = (administrator: Actor.Actor) =>
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
    // Challenges expire after two minutes: each load's answers are signed just before it.
    const answers = (count: number) =>
      Effect.forEach(Array.from({ length: count }), () =>
        Effect.gen(function* () {
          const challenge = yield* sessions.challenge;
          const signature = yield* cards.sign(serial, "authentication", Sessions.signedText(challenge));
          return { challenge: challenge.id, certificate, signature: Buffer.from(signature).toString("base64") };
        }),
      );
    return answers;
  });

/**
 * The i-th client's address, as the reverse proxy in front of the API forwards it: the platform
 * counts logins per client (60 a minute), and behind a proxy a deployment's clients are the town
 * halls' and prefectures' workstations, not one address. Each login of the load comes from a
 * client of its own, so the limit is counted as in production and never reached.
 */
const clientAddress = (index: number) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

/** Card logins through the API against a raw route doing the same statements by hand. */
export const loginFigure = async (
  runtime: ManagedRuntime.ManagedRuntime<App.Services, never>,
  options: { readonly port: number; readonly seconds: number; readonly connections: number; readonly administrator: Actor.Actor },
): Promise<Figure> => {
  const answers = await runtime.runPromise(officerAnswers(options.administrator));
  // Each challenge is answered once, through the API or by the raw route, each from a client of its own.
  const requests = (path: string, signed: ReadonlyArray<unknown>, offset: number) =>
    signed.map((answer, index) => ({ method: "POST" as const, path, body: answer, forwardedFor: clientAddress(offset + index) }));
  const common = { port: options.port, connections: options.connections, seconds: options.seconds };
  // The warm-up and the measure take answers of their own; the raw route is loaded just before the platform's.
  const warmUp = 2_000;
  const rawLogins = requests("/raw/sessions", await runtime.runPromise(answers(30_000)), 100_000);
  await load({ ...common, seconds: 1, requests: rawLogins.slice(0, warmUp), cycle: false, label: "warm-up /raw/sessions" });
  const raw = await load({ ...common, requests: rawLogins.slice(warmUp), cycle: false, label: "/raw/sessions" });
  const logins = requests("/sessions", await runtime.runPromise(answers(25_000)), 0);
  await load({ ...common, seconds: 1, requests: logins.slice(0, warmUp), cycle: false, label: "warm-up logins" });
  const platform = await load({ ...common, requests: logins.slice(warmUp), cycle: false, label: "logins" });
  if (platform.failures + raw.failures > 0) throw new Error(`logins failed: ${platform.failures} through the API, ${raw.failures} raw`);
  return {
    name: `card logins through the API: certificate, signature, directory, session (${options.connections} connections, ${options.seconds} s, one client address each; p99 ${platform.p99Ms.toFixed(1)} ms vs ${raw.p99Ms.toFixed(1)} ms)`,
    unit: "login/s",
    platform: platform.perSecond,
    raw: raw.perSecond,
    rawName:
      "Hono route doing the same statements by hand (rate limit, challenge, certificate, holder; ECDSA P-256 verify; one statement using the challenge, opening the session, chaining its event)",
    goal: { value: 1000, better: "higher" },
    ratioGoal: httpRatioGoal,
    cpu: { platform: platform.serverCpuUs, raw: raw.serverCpuUs },
  };
};
