/**
 * Issue 7's figure: notifications processed by the worker on graphile-worker — each read from the
 * outbox, its site's card operators looked up, handed to the mailer and marked delivered — beside
 * graphile-worker's own throughput on trivial jobs in the same run. The mailer only counts: the
 * SMTP server's side is not the platform's.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import * as Platform from "@comedec/platform";
import { CardNotifications } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import { Persistence } from "@comedec/persistence";
import { Access } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import * as Mailer from "@comedec/worker/mailer";
import * as Worker from "@comedec/worker";
import { Effect, Layer, ManagedRuntime } from "effect";
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import type { Figure } from "./Report.js";

const site = { _tag: "commune", commune: "01001" } as const;
const ants = Actor.Actor.make({ id: "bench-ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });

// The worker logs errors and warnings only; so does the raw baseline, or its logging is what is measured.
const quiet = new Logger(() => () => undefined);

const waitUntil = async (done: () => boolean | Promise<boolean>) => {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 20));
};

/** Trivial jobs per second through graphile-worker alone (4 at once, as the worker runs). */
const rawJobs = async (connectionString: string, count: number) => {
  const utils = await makeWorkerUtils({ connectionString, logger: quiet });
  await utils.migrate();
  await utils.addJobs(Array.from({ length: count }, () => ({ identifier: "noop", payload: {} })));
  let done = 0;
  const started = performance.now();
  const runner = await run({
    connectionString,
    concurrency: 4,
    noHandleSignals: true,
    pollInterval: 100,
    logger: quiet,
    taskList: { noop: async () => void done++ },
  });
  await waitUntil(() => done >= count);
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  await utils.release();
  return count / seconds;
};

/** The notifications figure, on a fresh database of the bench. */
export const notificationsFigure = async (connectionString: string, count = 20_000): Promise<Figure> => {
  let mailed = 0;
  const counting = Layer.succeed(Mailer.Mailer, Mailer.Mailer.of({ send: () => Effect.sync(() => void mailed++) }));
  const platform = Platform.services(Persistence.postgres({ connectionString }), {
    pki: { passphrase: "bench", baseUrl: "http://127.0.0.1/pki" },
    smartCards: Simulator.layer({ seed: "bench-notifications" }),
  });
  const runtime = ManagedRuntime.make(Layer.merge(platform, counting));
  try {
    await runtime.runPromise(
      Effect.gen(function* () {
        const grant = yield* Access.authorize(ants, "commune.import", Access.nation);
        yield* Deployment.importReference(grant, [
          Commune.Commune.make({
            code: "01001" as InseeCode.InseeCode,
            name: "L'Abergement-Clémenciat",
            departement: "01" as never,
            region: "84",
            population: 1,
          }),
        ]);
        const today = new Date().toISOString().slice(0, 10);
        yield* Directory.forActor(ants, (agaec) =>
          agaec.register({
            identity: {
              birthName: "Bench",
              givenNames: ["Op"],
              sex: "F",
              birthDate: "1980-01-01",
              placeOfBirth: { _tag: "abroad", country: "BE", city: "Liège" },
            },
            document: {
              type: "passeport",
              number: "BE7654321",
              issuingAuthority: "Consulat",
              expiresOn: "2035-01-01",
              holder: { birthName: "BENCH", givenNames: ["Op"], birthDate: "1980-01-01" },
              check: { by: "bench", on: today, faceToFace: true },
            },
            contact: { email: "operateur@mairie.test" },
            site,
            profile: { _tag: "agent" },
            rights: ["operate-cards"],
          } as unknown as Agent.Registration),
        );
        yield* Effect.forEach(
          Array.from({ length: count }, (_, index) => index),
          (index) =>
            CardNotifications.use((notifications) =>
              notifications.send({ site: site as never, kind: "request-waiting", subject: `Demande ${index}`, body: "Une demande attend votre validation." }),
            ),
          { concurrency: 10, discard: true },
        );
      }),
    );
    const raw = await rawJobs(connectionString, count);
    const started = performance.now();
    const worker = await Worker.start(runtime, { connectionString, outboxEveryMillis: 50 });
    await waitUntil(async () => (await runtime.runPromise(CardNotifications.use((notifications) => notifications.unsent(1)))).length === 0);
    const seconds = (performance.now() - started) / 1000;
    await worker.stop();
    if (mailed < count) throw new Error(`only ${mailed} of ${count} notifications were mailed`);
    return {
      name: `notifications delivered by the worker: outbox read, operators looked up, mailed, marked (${count.toLocaleString("en-US")} queued)`,
      unit: "notif/s",
      platform: count / seconds,
      raw,
      rawName: "graphile-worker alone, trivial jobs, 4 at once",
      goal: { value: 5_000, better: "higher" },
    };
  } finally {
    await runtime.dispose();
  }
};
