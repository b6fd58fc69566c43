/**
 * The worker end to end, on PostgreSQL and on the embedded mode's PGlite served on its Unix
 * socket (as `npm start` runs it): a card revoked through the card platform produces a new CRL and
 * a notification mailed to the site's card operator, with no manual step, through a real SMTP
 * server started in-process; and a worker killed while a mail is being sent loses nothing and
 * sends nothing twice once another worker takes over.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { CardNotifications, CardStore, CertificateRegistry } from "@comedec/card";
import { Commune, Onboarding as CommuneOnboarding, type InseeCode, OnboardingStore } from "@comedec/commune";
import { Directory as Deployment, Onboarding } from "@comedec/deployment";
import * as Platform from "@comedec/platform";
import { Persistence } from "@comedec/persistence";
import { ActivationLetters, Local, Renewals } from "@comedec/pgca";
import { Access, Audit } from "@comedec/rgs";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, Layer, ManagedRuntime } from "effect";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { simpleParser } from "mailparser";
import { makeWorkerUtils } from "graphile-worker";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Jobs from "../src/Jobs.js";
import * as Mailer from "../src/Mailer.js";
import * as Worker from "../src/Worker.js";

const url = process.env.DATABASE_URL;
// The test and the worker process it starts seal and read notifications with the same key.
const secretKey = "11".repeat(32);
const lyon = { _tag: "commune", commune: "69123" } as const;
const today = new Date().toISOString().slice(0, 10);
const ants = Actor.Actor.make({ id: "ants-worker", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const operator = Actor.Actor.make({ id: "rc-worker", name: "RC", role: "commune-operator", site: lyon });
const deputy = Actor.Actor.make({ id: "delegue-worker", name: "Délégué", role: "commune-operator", site: lyon });

const registration = (name: string, number: string, rights: ReadonlyArray<string>) =>
  ({
    identity: { birthName: name, givenNames: ["Claire"], sex: "F", birthDate: "1980-01-01", placeOfBirth: { _tag: "commune", commune: "69123" } },
    document: {
      type: "carte-nationale-identite",
      number,
      issuingAuthority: "Préfecture du Rhône",
      expiresOn: "2034-01-01",
      holder: { birthName: name.toUpperCase(), givenNames: ["Claire"], birthDate: "1980-01-01" },
      check: { by: "rc-worker", on: today, faceToFace: true },
    },
    contact: { email: `${name.toLowerCase()}@mairie-lyon.fr` },
    site: lyon,
    profile: { _tag: "agent" },
    rights,
  }) as unknown as Agent.Registration;

/**
 * An SMTP server in-process that records the messages it accepted. While `hold` is set it keeps a
 * message's data without answering; a message whose client went away meanwhile was never accepted.
 */
const smtpServer = async () => {
  const accepted: Array<{ readonly messageId: string; readonly to: ReadonlyArray<string>; readonly text: string }> = [];
  const closed = new Set<string>();
  let hold: Promise<void> | undefined;
  let held = 0;
  const heldSessions = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onClose: (session) => {
      closed.add(session.id);
    },
    onData: (stream, session, callback) => {
      const chunks: Array<Buffer> = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        if (hold !== undefined) {
          held++;
          heldSessions.add(session.id);
          await hold;
        }
        if (closed.has(session.id)) return;
        const parsed = await simpleParser(Buffer.concat(chunks));
        accepted.push({
          messageId: parsed.messageId ?? "",
          to: session.envelope.rcptTo.map((address) => address.address),
          text: `${parsed.subject ?? ""}\n${parsed.text ?? ""}`,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    accepted,
    url: `smtp://127.0.0.1:${port}`,
    held: () => held,
    /** Whether every session that reached a held message has been seen closing. */
    heldSessionsClosed: () => [...heldSessions].every((id) => closed.has(id)),
    setHold: (promise: Promise<void> | undefined) => {
      hold = promise;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/**
 * Starts a worker when no other is alive (the tests run one at a time): locks left by a worker
 * stopped earlier are freed first, so its jobs do not wait four hours. (A stopped worker has been
 * seen leaving the mail queue locked now and then: to be understood.)
 */
const freeLeftovers = async (connectionString: string) => {
  const utils = await makeWorkerUtils({ connectionString, noPreparedStatements: true });
  try {
    await Worker.takeOverDeadWorkers(utils);
    await utils.withPgClient((client) => client.query("UPDATE graphile_worker._private_job_queues SET locked_at = NULL, locked_by = NULL"));
  } finally {
    await utils.release();
  }
};

/** What graphile-worker holds, for a failure's message: jobs not done, and locked queues. */
const jobsState = async (connectionString: string) => {
  const utils = await makeWorkerUtils({ connectionString, noPreparedStatements: true });
  try {
    return await utils.withPgClient(async (client) => {
      const jobs = await client.query(
        "SELECT j.id, j.task_identifier, j.attempts, j.locked_by, q.queue_name FROM graphile_worker.jobs j LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id",
      );
      const queues = await client.query("SELECT queue_name, locked_by FROM graphile_worker._private_job_queues WHERE locked_by IS NOT NULL");
      return JSON.stringify({ jobs: jobs.rows, lockedQueues: queues.rows });
    });
  } finally {
    await utils.release();
  }
};

const startAlone = async (runtime: Parameters<typeof Worker.start>[0], options: Worker.Options) => {
  await freeLeftovers(options.connectionString);
  return Worker.start(runtime, options);
};

const waitFor = async (condition: () => boolean | Promise<boolean>, millis = 20_000) => {
  const until = Date.now() + millis;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${condition.toString().slice(0, 120)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** A database of its own for a suite: its connection string, and how to drop it. */
interface Backend {
  readonly name: string;
  readonly open: () => Promise<{ readonly connectionString: string; readonly drop: () => Promise<void> }>;
}

const postgres: Backend = {
  name: "PostgreSQL",
  open: async () => {
    const name = `comedec_worker_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const target = new URL(url ?? "postgres://localhost/x");
    target.pathname = `/${name}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    return {
      connectionString: target.toString(),
      drop: async () => {
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        // The stopped workers' pools close their connections on their own: a forced drop while one
        // is still closing kills it under a client that no longer listens for errors.
        for (let waited = 0; waited < 5_000; waited += 100) {
          const open = await admin.query<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", [name]);
          if (open.rows[0]?.count === "0") break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  },
};

const embedded: Backend = {
  name: "embedded PostgreSQL server",
  open: async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "comedec-embedded-"));
    const server = await Platform.startEmbeddedServer(dataDir);
    return {
      connectionString: server.connectionString,
      drop: async () => {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

describe.each(url === undefined ? [embedded] : [postgres, embedded])("the worker on $name", (backend) => {
  let connectionString = "";
  let drop = async () => {};
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let runtime: ManagedRuntime.ManagedRuntime<Worker.Services | Layer.Success<ReturnType<typeof Platform.services>>, never>;
  let holderCard = "";

  beforeAll(async () => {
    ({ connectionString, drop } = await backend.open());
    smtp = await smtpServer();
    const platform = Platform.services(Persistence.postgres({ connectionString, secretKey: Buffer.from(secretKey, "hex") }), {
      pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" },
      smartCards: Simulator.layer({ seed: "worker-tests" }),
    });
    runtime = ManagedRuntime.make(Layer.merge(platform, Mailer.smtp(smtp.url, "COMEDEC <ne-pas-repondre@comedec.test>")));
    await runtime.runPromise(
      Effect.gen(function* () {
        const grant = yield* Access.authorize(ants, "commune.import", Access.nation);
        yield* Deployment.importReference(grant, [
          Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
        ]);
        yield* Directory.forActor(ants, (agaec) => agaec.register(registration("Operatrice", "OP1111111", ["operate-cards", "receive-requests"])));
        const holder = (yield* Directory.forActor(ants, (agaec) => agaec.register(registration("Porteuse", "PO2222222", ["receive-requests"])))).state.id;
        // An active card, with its two certificates: published face to face with its activation code.
        const byOperator = yield* Local.make(operator);
        const byAnts = yield* Local.make(ants);
        holderCard = (yield* byOperator.order({ holder, reason: "nouvelle carte" })).state.id;
        const serial = (yield* byAnts.startProduction(holderCard, "fabrication")).state.serial as string;
        yield* byAnts.ship(holderCard, "envoi");
        yield* byOperator.receive(holderCard, serial, "reçue");
        // The code, the holder's way: from the letter ANTS's mail room produces once.
        const letter = yield* Effect.orDie(
          Effect.flatMap(Access.authorize(ants, "card.produce", Access.nation), (grant) => ActivationLetters.produce(grant, holderCard)),
        );
        const code = ActivationLetters.codeOf(letter) as string;
        // The operator ordered the card: the délégué is the second person of its publication.
        yield* (yield* Local.make(deputy)).approvePersonalisation(holderCard, "second contrôle");
        yield* Platform.Desk.publish(operator, holderCard, {
          activationCode: code,
          pin: "482915",
          handOver: { document: { type: "carte-nationale-identite", number: "PO2222222" }, place: "mairie" },
          reason: "remise",
        });
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await runtime?.dispose();
    await smtp?.close();
    await drop();
  });

  it("sends each prefecture a weekly digest of its late communes, with the step each one lacks", async () => {
    await runtime.runPromise(
      Effect.gen(function* () {
        // Lyon has a maternity: under the obligation, and long past its date.
        const grant = yield* Access.authorize(ants, "onboarding.record", { _tag: "commune", commune: "69123", departement: "69" });
        yield* Onboarding.execute(grant, CommuneOnboarding.DeclareMaternity.make({ hasMaternity: true, reference: "recensement 2017" }));
        const prefecture = { ...registration("Prefete", "PR3333333", ["operate-cards", "register-agents"]), site: { _tag: "prefecture", departement: "69" } };
        yield* Directory.forActor(ants, (agaec) => agaec.register(prefecture as unknown as Agent.Registration));
      }),
    );
    expect(await runtime.runPromise(Jobs.deadlineDigests)).toBe(1);
    expect(await runtime.runPromise(Jobs.deadlineDigests)).toBe(1);
    const before = smtp.accepted.length;
    const worker = await startAlone(runtime, { connectionString, outboxEveryMillis: 200 });
    try {
      await waitFor(() => smtp.accepted.slice(before).some((mail) => mail.text.includes("point hebdomadaire")));
    } finally {
      await worker.stop();
    }
    const digests = smtp.accepted.slice(before).filter((mail) => mail.text.includes("point hebdomadaire"));
    // Made once however often the job runs on a day, and mailed to the prefecture's operator.
    expect(digests).toHaveLength(1);
    expect(digests[0]?.to).toEqual(["prefete@mairie-lyon.fr"]);
    expect(digests[0]?.text).toContain("Lyon (69123), en retard depuis le");
    expect(digests[0]?.text).toContain("étape attendue : recensement");
    // And the late commune itself is reminded, its card operator mailed.
    const reminders = smtp.accepted.slice(before).filter((mail) => mail.text.includes("rappel"));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.to).toEqual(["operatrice@mairie-lyon.fr"]);
    expect(reminders[0]?.text).toContain("Lyon (69123) à COMEDEC est en retard");
  });

  it("invites a mairie to its hand-over appointment from the event log, once", async () => {
    await runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* OnboardingStore;
        const snapshot = yield* store.load("69123" as InseeCode.InseeCode);
        const event = CommuneOnboarding.MilestoneRecorded.make({
          record: {
            at: new Date().toISOString(),
            by: { id: "pref-69", name: "Préfecture", role: "prefecture-operator", site: "prefecture:69" },
            evidence: { milestone: "handOverAppointment", reference: "plan 69-1", appointmentOn: "2027-01-12", venue: "Préfecture du Rhône" },
          },
        });
        yield* store.append({ expectedVersion: snapshot.version, state: CommuneOnboarding.evolve(snapshot.state, event), events: [event], actor: ants });
      }),
    );
    expect(await runtime.runPromise(Jobs.outbox())).toBeGreaterThan(0);
    // Read again from the start, the event makes no second invitation.
    await runtime.runPromise(Audit.EventFeed.use((feed) => feed.advance(Jobs.outboxConsumer, 0)));
    await runtime.runPromise(Jobs.outbox());
    const invitations = (await runtime.runPromise(CardNotifications.use((notifications) => notifications.inbox(lyon as never, 50)))).filter(
      (item) => item.kind === "appointment-invitation",
    );
    expect(invitations).toHaveLength(1);
    expect(invitations[0]?.subject).toBe("COMEDEC — remise de vos cartes agent le 2027-01-12 (Préfecture du Rhône)");
    expect(invitations[0]?.body).toContain("Madame, Monsieur le Maire de Lyon (69123)");
    expect(invitations[0]?.body).toContain("code d'activation");
  });

  it("warns a card's site before its certificates end, once per threshold", async () => {
    const inboxOf = async () =>
      (await runtime.runPromise(CardNotifications.use((notifications) => notifications.inbox(lyon as never, 50)))).filter(
        (item) => item.kind === "certificate-expiring",
      );
    expect(await runtime.runPromise(Renewals.warnExpiring([1, 7]))).toBe(0);
    expect(await inboxOf()).toEqual([]);
    // Certificates last three years at most: four years ahead, the card is due a warning.
    expect(await runtime.runPromise(Renewals.warnExpiring([4 * 365]))).toBe(1);
    expect(await runtime.runPromise(Renewals.warnExpiring([4 * 365]))).toBe(1);
    const warnings = await inboxOf();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.subject).toMatch(/^COMEDEC — les certificats de la carte .+ expirent le \d{4}-\d{2}-\d{2}$/);
    expect(warnings[0]?.body).toContain("ne permet plus de s'authentifier ni de signer");
  });

  it("files an automatic renewal request before the certificates expire, once", async () => {
    // Certificates last three years at most: four years ahead, the card is due.
    expect(await runtime.runPromise(Renewals.requestDue(1))).toEqual([]);
    expect(await runtime.runPromise(Renewals.requestDue(4 * 365))).toEqual([holderCard]);
    expect(await runtime.runPromise(Renewals.requestDue(4 * 365))).toEqual([]);
    const pending = await runtime.runPromise(CardStore.use((store) => store.requests({ site: lyon as never }, { status: "pending-validation", limit: 10 })));
    expect(pending.map((request) => request.state)).toEqual([
      expect.objectContaining({ kind: "certificate-renewal", origin: "automatic", card: holderCard, requestedBy: Actor.platformId }),
    ]);
  });

  it("turns a revocation into a new CRL and a mail to the card's holder, with no manual step", async () => {
    const crlBefore = await runtime.runPromise(CertificateRegistry.use((registry) => registry.latestCrl));
    const worker = await startAlone(runtime, { connectionString, outboxEveryMillis: 200 });
    try {
      await runtime.runPromise(
        Effect.flatMap(Local.make(operator), (pgca) => pgca.revoke(holderCard, { revocationReason: "keyCompromise", reason: "carte perdue" })),
      );
      await waitFor(() => smtp.accepted.some((mail) => mail.text.includes("révoquée")));
      const mail = smtp.accepted.find((message) => message.text.includes("révoquée"));
      // The holder's card: the holder is told; the operator who revoked it is not mailed about it.
      expect(mail?.to).toEqual(["porteuse@mairie-lyon.fr"]);
      expect(mail?.text).toContain("clé compromise");
      const crlAfter = await runtime.runPromise(CertificateRegistry.use((registry) => registry.latestCrl));
      expect(crlAfter?.number).toBeGreaterThan(crlBefore?.number ?? -1n);
      // Delivered once, and marked so: the mailbox still shows it, nothing is left to send.
      await waitFor(async () => (await runtime.runPromise(CardNotifications.use((notifications) => notifications.unsent(10)))).length === 0);
      expect(await Worker.deadLetters(worker.utils)).toEqual([]);
    } finally {
      await worker.stop();
    }
  }, 60_000);

  it("loses nothing and sends nothing twice when a worker process is killed while sending", async () => {
    const before = smtp.accepted.length;
    await runtime.runPromise(
      CardNotifications.use((notifications) =>
        notifications.send({
          site: lyon as never,
          kind: "request-waiting",
          subject: "COMEDEC — une demande attend",
          body: "Demande en attente",
          source: "test:kill",
        }),
      ),
    );
    // A worker process takes the delivery; the SMTP server holds the message; the process is killed.
    await freeLeftovers(connectionString);
    let release = () => {};
    smtp.setHold(new Promise<void>((resolve) => (release = resolve)));
    const dataDir = mkdtempSync(join(tmpdir(), "comedec-worker-"));
    const child = spawn(process.execPath, [fileURLToPath(new URL("../dist/main.js", import.meta.url))], {
      env: {
        ...process.env,
        DATABASE_URL: connectionString,
        COMEDEC_SMTP_URL: smtp.url,
        COMEDEC_SECRET_KEY: secretKey,
        COMEDEC_DATA_DIR: dataDir,
        COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
        COMEDEC_CA_CUSTODIAN_2: "Seconde Gardienne:secret-de-la-seconde-gardienne",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let childOutput = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      childOutput += chunk.toString("utf8");
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      await waitFor(() => smtp.held() > 0, 40_000);
    } catch (error) {
      // Later tests must not wait on the held mail.
      release();
      smtp.setHold(undefined);
      throw new Error(`the worker process never reached the SMTP server: ${childOutput.slice(-2000)} ${await jobsState(connectionString)}`, { cause: error });
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    // The server sees the client gone before it would have answered.
    await waitFor(() => smtp.heldSessionsClosed());
    release();
    smtp.setHold(undefined);
    expect(smtp.accepted.length).toBe(before);
    // Another worker takes over the dead one's jobs at once, rather than when its locks expire.
    const second = await Worker.start(runtime, { connectionString, outboxEveryMillis: 100 });
    try {
      await Worker.takeOverDeadWorkers(second.utils);
      await waitFor(async () => (await runtime.runPromise(CardNotifications.use((notifications) => notifications.unsent(10)))).length === 0);
      const sent = smtp.accepted.slice(before).filter((mail) => mail.text.includes("Demande en attente"));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.messageId).toMatch(/^<notification-\d+@comedec>$/);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("finishes the mail it is sending when stopped with SIGTERM, then exits, leaving nothing locked", async () => {
    const before = smtp.accepted.length;
    await runtime.runPromise(
      CardNotifications.use((notifications) =>
        notifications.send({
          site: lyon as never,
          kind: "request-waiting",
          subject: "COMEDEC — une demande attend",
          body: "Demande arrêtée en cours d'envoi",
          source: "test:sigterm",
        }),
      ),
    );
    await freeLeftovers(connectionString);
    const heldBefore = smtp.held();
    let release = () => {};
    smtp.setHold(new Promise<void>((resolve) => (release = resolve)));
    const dataDir = mkdtempSync(join(tmpdir(), "comedec-worker-"));
    const child = spawn(process.execPath, [fileURLToPath(new URL("../dist/main.js", import.meta.url))], {
      env: {
        ...process.env,
        DATABASE_URL: connectionString,
        COMEDEC_SMTP_URL: smtp.url,
        COMEDEC_SECRET_KEY: secretKey,
        COMEDEC_DATA_DIR: dataDir,
        COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien",
        COMEDEC_CA_CUSTODIAN_2: "Seconde Gardienne:secret-de-la-seconde-gardienne",
        COMEDEC_SHUTDOWN_TIMEOUT_MS: "30000",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let childOutput = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      childOutput += chunk.toString("utf8");
    });
    const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
    try {
      await waitFor(() => smtp.held() > heldBefore, 40_000);
      child.kill("SIGTERM");
      // The job in flight holds the stop: the process waits for the server's answer.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect({ code: child.exitCode, signal: child.signalCode }, childOutput).toEqual({ code: null, signal: null });
      release();
      expect(await exited, childOutput).toBe(0);
    } finally {
      release();
      smtp.setHold(undefined);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    const sent = smtp.accepted.slice(before).filter((mail) => mail.text.includes("Demande arrêtée en cours d'envoi"));
    expect(sent).toHaveLength(1);
    expect(await runtime.runPromise(CardNotifications.use((notifications) => notifications.unsent(10)))).toHaveLength(0);
    const utils = await makeWorkerUtils({ connectionString });
    try {
      const locked = await utils.withPgClient((client) =>
        client.query(
          "SELECT j.id, t.identifier, j.locked_by, j.locked_at, j.run_at FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.locked_by IS NOT NULL",
        ),
      );
      expect(locked.rows).toEqual([]);
    } finally {
      await utils.release();
    }
  }, 60_000);

  it("leaves a job that failed every attempt for an operator, who replays it", async () => {
    await runtime.runPromise(
      CardNotifications.use((notifications) =>
        notifications.send({ site: lyon as never, kind: "request-waiting", subject: "COMEDEC — relance", body: "Relance en attente", source: "test:dead" }),
      ),
    );
    // A worker whose mail server is gone: the delivery fails its only attempt.
    const broken = ManagedRuntime.make(
      Layer.merge(
        Platform.services(Persistence.postgres({ connectionString, secretKey: Buffer.from(secretKey, "hex") }), {
          pki: { passphrase: "test", baseUrl: "http://127.0.0.1/pki" },
          smartCards: Simulator.layer({ seed: "worker-tests" }),
        }),
        Mailer.smtp("smtp://127.0.0.1:9", "COMEDEC <ne-pas-repondre@comedec.test>"),
      ),
    );
    const failing = await startAlone(broken, { connectionString, outboxEveryMillis: 60_000 });
    let dead: ReadonlyArray<Worker.DeadLetter> = [];
    try {
      // A queue of its own, so whatever earlier workers left in the mail queue does not run first.
      const job = await failing.utils.addJob("deliver", {}, { queueName: "dead-letter-test", maxAttempts: 1 });
      await waitFor(async () => {
        dead = (await Worker.deadLetters(failing.utils)).filter((letter) => letter.id === job.id);
        return dead.length > 0;
      });
    } finally {
      await failing.stop();
      await broken.dispose();
    }
    expect(dead).toEqual([expect.objectContaining({ task: "deliver", attempts: 1, lastError: expect.stringContaining("ECONNREFUSED") })]);
    const before = smtp.accepted.length;
    const healthy = await startAlone(runtime, { connectionString, outboxEveryMillis: 60_000 });
    try {
      expect(
        await Worker.replay(
          healthy.utils,
          dead.map((letter) => letter.id),
        ),
      ).toEqual(dead.map((letter) => letter.id));
      await waitFor(() => smtp.accepted.slice(before).some((mail) => mail.text.includes("Relance en attente")));
      expect((await Worker.deadLetters(healthy.utils)).filter((letter) => dead.some((gone) => gone.id === letter.id))).toEqual([]);
    } finally {
      await healthy.stop();
    }
  }, 60_000);
});
