/**
 * `pnpm bench`: every figure of the platform beside its goal and the raw PostgreSQL figure measured
 * in the same run, on a fresh database of the server at BENCH_DATABASE_URL (or DATABASE_URL, or
 * the local one). Prints a Markdown table to paste into docs/benchmarks.md. BENCH_SECONDS sets the
 * length of each HTTP load (8 s by default; the loads come from wrk); BENCH_KEEP=1 keeps the
 * database; BENCH_ONLY=cards (a comma list of pki, communes, dashboard, agents, cards, login,
 * responses, planning, notifications, audit) runs only those groups; BENCH_AUDIT_EVENTS sets the
 * size of the log `audit verify` reads (10,000,000 by default), BENCH_CRL_ENTRIES the CRL's.
 */
import { Actor } from "@comedec/actor";
import * as Platform from "@comedec/platform";
import { Simulator } from "@comedec/smartcard-simulator";
import * as Agents from "./Agents.js";
import { Persistence } from "@comedec/persistence";
import { Tokens } from "@comedec/rgs";
import { ManagedRuntime } from "effect";
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { cpus, tmpdir } from "node:os";
import * as Cards from "./Cards.js";
import * as Communes from "./Communes.js";
import * as Login from "./Login.js";
import * as Notifications from "./Notifications.js";
import * as Planning from "./Planning.js";
import * as Responses from "./Responses.js";
import * as Pki from "./Pki.js";
import * as AuditTrail from "./AuditTrail.js";
import * as Dashboard from "./Dashboard.js";
import * as Database from "./Database.js";
import { ensureWrk } from "./Load.js";
import { type Figure, table } from "./Report.js";

const pkiDirectory = mkdtempSync(join(tmpdir(), "bench-pki-"));

/** A CA sealed in a temporary directory and virtual cards: the benches measure the platform, not key storage. */
const benchCards = {
  // One CA for the parent and the server process: certificates issued in one are checked in the other.
  pki: { directory: pkiDirectory, passphrase: "bench", baseUrl: "http://127.0.0.1/pki" },
  smartCards: Simulator.layer({ seed: "bench" }),
};

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const figures: Array<Figure> = [];
const only = new Set((process.env.BENCH_ONLY ?? "pki,communes,dashboard,agents,cards,login,responses,planning,notifications,audit").split(","));

/** Makes the platform's tables on a fresh database (the persistence layer migrates it when built). */
const migrate = async (url: string) => {
  const migrating = ManagedRuntime.make(Persistence.postgres({ connectionString: url }));
  await migrating.runPromise(Communes.rawSql);
  await migrating.dispose();
};

// The HTTP loads come from wrk, in a process of its own.
if (["communes", "dashboard", "agents", "cards", "login", "responses"].some((group) => only.has(group))) ensureWrk();

const database = await Database.fresh();
const runtime = ManagedRuntime.make(Platform.services(Persistence.postgres({ connectionString: database.url }), benchCards));
const server = fork(new URL("./Server.js", import.meta.url), {
  env: { ...process.env, BENCH_DATABASE_URL: database.url, BENCH_PKI_DIRECTORY: pkiDirectory },
  stdio: "inherit",
  // BENCH_PROFILE=1 writes a CPU profile of the server process into the working directory.
  execArgv: process.env.BENCH_PROFILE ? ["--cpu-prof"] : [],
});
// Load.ts reads the server's CPU time from it.
if (server.pid !== undefined) process.env.BENCH_SERVER_PID = String(server.pid);
try {
  console.error(`bench: ${cpus().length} cores, Node ${process.version}, PostgreSQL at ${new URL(Database.serverUrl).host}, ${seconds} s per load`);

  if (only.has("notifications")) {
    console.error("bench: notifications through the worker…");
    const notifications = await Database.fresh("notifications");
    try {
      figures.push(await Notifications.notificationsFigure(notifications.url));
    } finally {
      await notifications.drop();
    }
  }

  if (only.has("planning")) {
    console.error("bench: hand-over appointment planning…");
    figures.push(...Planning.planningFigures());
  }

  if (only.has("pki")) {
    console.error("bench: certificate issuance…");
    figures.push(await Pki.issuanceFigure(Math.min(seconds, 5)));
    console.error("bench: a CRL at national scale…");
    figures.push(Pki.crlFigure());
    console.error("bench: PKCS#11 signatures…");
    const pkcs11 = await Pki.pkcs11Figure(Math.min(seconds, 5));
    if (pkcs11 === undefined) console.error("bench: SoftHSM2 is not installed, no PKCS#11 figure");
    else figures.push(pkcs11);
  }

  if (only.has("audit")) {
    console.error("bench: audit verify at national scale…");
    figures.push(...(await AuditTrail.verifyFigures(migrate, pkiDirectory)));
    console.error("bench: a site's audit export with its proofs…");
    figures.push(await AuditTrail.exportFigure(migrate, pkiDirectory));
  }

  if (only.has("communes") || only.has("dashboard")) {
    console.error("bench: importing the communes…");
    figures.push(await Communes.importFigure(runtime, database.url));
  }

  const [{ port }] = (await once(server, "message")) as [{ port: number }];
  const administrator = Actor.Actor.make({ id: "bench-admin", name: "Benchmark", role: "national-administrator", site: { _tag: "national" } });
  const { token } = await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(administrator, 1, administrator, "bootstrap")));
  const raw = await runtime.runPromise(Communes.rawSql);
  const codes = (await raw.query<{ code: string }>("SELECT code FROM commune ORDER BY md5(code)")).map((row) => row.code);
  await raw.query(
    "CREATE TABLE bench_raw_write (id bigserial PRIMARY KEY, stream text NOT NULL, payload jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())",
  );

  if (only.has("communes")) {
    console.error("bench: commune lookups…");
    figures.push(await Communes.lookupFigure({ port, token, codes, seconds, connections }));
    console.error("bench: milestone writes…");
    figures.push(await Communes.writeFigure({ port, token, codes, seconds, connections }));
  }

  if (only.has("dashboard")) {
    console.error("bench: the national dashboard…");
    figures.push(await Dashboard.dashboardFigure({ port, token, seconds, communes: codes.length, avoid: Communes.rawWriteCommunes(codes) }));
  }

  if (only.has("agents")) {
    console.error("bench: importing 10,000 agents from CSV…");
    figures.push(await Agents.importFigure(runtime, database.url, administrator));
    const agents = 200_000;
    console.error(`bench: seeding ${agents.toLocaleString("en-US")} agents…`);
    const seeded = await Agents.seed(runtime, agents - 10_000);
    console.error("bench: agent searches…");
    figures.push(...(await Agents.searchFigure({ port, token, communes: seeded, seconds, connections, total: agents })));
  }

  if (only.has("cards")) {
    console.error("bench: card state transitions…");
    const lyonOperator = Actor.Actor.make({ id: "bench-rc-lyon", name: "Benchmark", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
    const operatorToken = (await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(lyonOperator, 1, administrator, "bootstrap")))).token;
    figures.push(await Cards.transitionFigure(runtime, { port, token: operatorToken, seconds, connections }));
  }

  if (only.has("login")) {
    console.error("bench: card logins…");
    figures.push(await Login.loginFigure(runtime, { port, seconds, connections, administrator }));
  }

  if (only.has("responses")) {
    console.error("bench: signed responses…");
    const lyonOperator = Actor.Actor.make({
      id: "bench-rc-responses",
      name: "Benchmark",
      role: "commune-operator",
      site: { _tag: "commune", commune: "69123" },
    });
    const operatorToken = (await runtime.runPromise(Tokens.ActorTokens.use((tokens) => tokens.issue(lyonOperator, 1, administrator, "bootstrap")))).token;
    figures.push(await Responses.responsesFigure(runtime, raw, { port, token: operatorToken, seconds, connections, administrator }));
  }

  console.log(table(figures));
} finally {
  server.disconnect();
  await once(server, "exit");
  await runtime.dispose();
  // BENCH_KEEP=1 leaves the database in place, to EXPLAIN what was measured.
  if (!process.env.BENCH_KEEP) await database.drop();
}
