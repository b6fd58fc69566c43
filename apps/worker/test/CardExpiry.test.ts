/**
 * The worker's daily `card-expiry` job (issue 23), on the embedded PostgreSQL server (and on
 * PostgreSQL when `DATABASE_URL` is set): a card published today is left alone by a worker running
 * today, and expired by a worker whose clock stands the day after its certificates end — the job
 * queued as the crontab queues it, run by the worker, not called by the test.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { CardStore } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import * as Platform from "@comedec/platform";
import { Persistence } from "@comedec/persistence";
import { ActivationLetters, Local } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import { Clock, Effect, Layer, ManagedRuntime } from "effect";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Mailer from "../src/Mailer.js";
import * as Worker from "../src/Worker.js";

const url = process.env.DATABASE_URL;
const secretKey = Buffer.from("22".repeat(32), "hex");
const lyon = { _tag: "commune", commune: "69123" } as const;
const today = new Date().toISOString().slice(0, 10);
const day = 86_400_000;
const ants = Actor.Actor.make({ id: "ants-expiry", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-expiry", name: "RC", role: "commune-operator", site: lyon });
const deputy = Actor.Actor.make({ id: "delegue-expiry", name: "Délégué", role: "commune-operator", site: lyon });

const registration = {
  identity: { birthName: "Echeance", givenNames: ["Claire"], sex: "F", birthDate: "1980-01-01", placeOfBirth: { _tag: "commune", commune: "69123" } },
  document: {
    type: "carte-nationale-identite",
    number: "EX1234567",
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2034-01-01",
    holder: { birthName: "ECHEANCE", givenNames: ["Claire"], birthDate: "1980-01-01" },
    check: { by: "rc-expiry", on: today, faceToFace: true },
  },
  contact: { email: "claire.echeance@mairie-lyon.fr" },
  site: lyon,
  profile: { _tag: "agent" },
  rights: ["receive-requests"],
} as unknown as Agent.Registration;

/** A clock stopped at an instant. */
const clockAt = (millis: number): Clock.Clock => ({
  currentTimeMillisUnsafe: () => millis,
  currentTimeMillis: Effect.succeed(millis),
  monotonicTimeNanosUnsafe: () => BigInt(millis) * 1_000_000n,
  monotonicTimeNanos: Effect.succeed(BigInt(millis) * 1_000_000n),
  currentTimeNanosUnsafe: () => BigInt(millis) * 1_000_000n,
  currentTimeNanos: Effect.succeed(BigInt(millis) * 1_000_000n),
  sleep: () => Effect.void,
});

/** A database of its own: a fresh PostgreSQL database, or a fresh embedded server. */
const openDatabase = async (): Promise<{ readonly connectionString: string; readonly drop: () => Promise<void> }> => {
  if (url === undefined) {
    const dataDir = mkdtempSync(join(tmpdir(), "comedec-expiry-"));
    const server = await Platform.startEmbeddedServer(dataDir);
    return {
      connectionString: server.connectionString,
      drop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `comedec_expiry_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const target = new URL(url);
  target.pathname = `/${name}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(statement);
    await client.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  return { connectionString: target.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
};

const waitFor = async (condition: () => Promise<boolean>, millis = 20_000) => {
  const until = Date.now() + millis;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error("timed out waiting for the card-expiry job");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe(`the worker's card-expiry job on ${url === undefined ? "the embedded PostgreSQL server" : "PostgreSQL"}`, () => {
  let connectionString = "";
  let drop = async () => {};
  const runtimes: Array<ManagedRuntime.ManagedRuntime<Worker.Services, never>> = [];
  /** The platform's services on the suite's database, its clock stopped at `at` when given. */
  const runtimeAt = (at?: number) => {
    const platform = Platform.services(Persistence.postgres({ connectionString, secretKey }), {
      pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" },
      smartCards: Simulator.layer({ seed: "expiry-tests" }),
    });
    const services = Layer.merge(platform, Mailer.mailbox);
    const runtime = ManagedRuntime.make(at === undefined ? services : Layer.merge(services, Layer.succeed(Clock.Clock, clockAt(at))));
    runtimes.push(runtime);
    return runtime;
  };
  let card = "";
  let end = 0;

  beforeAll(async () => {
    ({ connectionString, drop } = await openDatabase());
    const runtime = runtimeAt();
    const published = await runtime.runPromise(
      Effect.gen(function* () {
        const grant = yield* Access.authorize(ants, "commune.import", Access.nation);
        yield* Deployment.importReference(grant, [
          Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
        ]);
        const holder = (yield* Directory.forActor(ants, (agaec) => agaec.register(registration))).state.id;
        const byOperator = yield* Local.make(operator);
        const byAnts = yield* Local.make(ants);
        const id = (yield* byOperator.order({ holder, reason: "nouvelle carte" })).state.id;
        const serial = (yield* byAnts.startProduction(id, "fabrication")).state.serial as string;
        yield* byAnts.ship(id, "envoi");
        yield* byOperator.receive(id, serial, "reçue");
        const letter = yield* Effect.orDie(
          Effect.flatMap(Access.authorize(ants, "card.produce", Access.nation), (produce) => ActivationLetters.produce(produce, id)),
        );
        yield* (yield* Local.make(deputy)).approvePersonalisation(id, "second contrôle");
        return yield* Platform.Desk.publish(operator, id, {
          activationCode: ActivationLetters.codeOf(letter) as string,
          pin: "482915",
          handOver: { document: { type: "carte-nationale-identite", number: "EX1234567" }, place: "mairie" },
          reason: "remise",
        });
      }),
    );
    card = published.state.id;
    end = Date.parse(published.state.certificates?.authentication.notAfter ?? "");
  }, 180_000);

  afterAll(async () => {
    for (const runtime of runtimes) await runtime.dispose();
    await drop();
  });

  const statusOf = () => runtimes[0]?.runPromise(CardStore.use((store) => Effect.map(store.load(card), (view) => view.state.status))) as Promise<string>;

  /** Starts a worker on the runtime, queues the job as the crontab does, and waits until none is left. */
  const runJob = async (runtime: ManagedRuntime.ManagedRuntime<Worker.Services, never>) => {
    const worker = await Worker.start(runtime, { connectionString, outboxEveryMillis: 60_000 });
    try {
      await worker.utils.addJob("card-expiry", {}, { jobKey: "card-expiry" });
      await waitFor(() =>
        worker.utils.withPgClient(async (client) => {
          const left = await client.query("SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'card-expiry'");
          return left.rows.length === 0;
        }),
      );
    } finally {
      await worker.stop();
    }
  };

  it("leaves a card in force alone, and expires it once its certificates have ended", async () => {
    expect(Number.isFinite(end)).toBe(true);
    await runJob(runtimes[0] as ManagedRuntime.ManagedRuntime<Worker.Services, never>);
    expect(await statusOf()).toBe("active");
    await runJob(runtimeAt(end + day));
    expect(await statusOf()).toBe("expired");
  }, 120_000);
});
