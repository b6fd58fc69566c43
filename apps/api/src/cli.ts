#!/usr/bin/env node
/**
 * The operator's command line: bearer tokens (issue, list, revoke), the import of the reference
 * communes, the verification of the audit trail, and the demo's preparation of a commune for an
 * editor's integration tests. Same configuration as the API.
 *
 * `--help` prints the usage and exits 0; an unknown option or command gets one line and exit 64,
 * before any database is opened.
 */
import { Actor } from "@comedec/actor";
import { AgentStore } from "@comedec/agent";
import { Audit, Retention, Tokens } from "@comedec/rgs";
import { Effect, ManagedRuntime, Redacted, Schema, Stream } from "effect";
import { parseArgs } from "node:util";
import * as Platform from "@comedec/platform";
import { AuditPublication } from "@comedec/pki";
import { join } from "node:path";
import * as Demo from "./Demo.js";

const usage = `usage:
  comedec token issue --role ROLE --site SITE --name NAME [--id ID] [--days N] [--purpose machine|bootstrap]
      ROLE: ${Actor.roles.join(" | ")}
      SITE: national | prefecture:DEP | commune:INSEE | editor:ID
      PURPOSE: machine (default; reads and reports only) | bootstrap (the role's rights, 30 days at most)
  comedec token list
  comedec token revoke ID
  comedec communes import
  comedec audit verify [--checkpoints DIR]   (against the published checkpoints: the platform's, or a copy shipped elsewhere)
  comedec audit export --site SITE [--proofs]
      JSON lines, oldest first, with each entry's chain links; --proofs: the latest signed
      checkpoint first, then each entry it covers with its RFC 9162 inclusion proof
  comedec audit checkpoint   (signs the head and publishes it)
  comedec retention purge
  comedec demo prepare [--commune INSEE] [--pin PIN] [--json]
      the embedded demo: the commune (default 69123) onboarded up to its specimen file, an officer
      signing by delegation with a published virtual card (PIN ${Demo.defaultPin} unless --pin), and
      pending specimen requests; prints the card's serial, the PIN, the cards' directory and the
      specimen file (--json: one JSON object {commune, cards, serial, pin, officer, specimenFile,
      pendingRequests, trainingOn})
  comedec --help`;

/** The commands this line knows, as group and action. */
const commands = [
  "token issue",
  "token list",
  "token revoke",
  "communes import",
  "audit verify",
  "audit export",
  "audit checkpoint",
  "retention purge",
  "demo prepare",
];

/** One line on stderr and exit 64: a wrong usage never shows a stack trace. */
const wrongUsage = (message: string): never => {
  console.error(`comedec: ${message} (--help for the usage)`);
  return process.exit(64);
};

const parseSite = (text: string) => {
  const [kind, value] = text.split(":");
  const site =
    kind === "national"
      ? { _tag: "national" }
      : kind === "prefecture"
        ? { _tag: "prefecture", departement: value }
        : kind === "commune"
          ? { _tag: "commune", commune: value }
          : { _tag: "editor", editor: value };
  return site;
};

const options = {
  role: { type: "string" },
  site: { type: "string" },
  name: { type: "string" },
  id: { type: "string" },
  days: { type: "string" },
  purpose: { type: "string" },
  checkpoints: { type: "string" },
  proofs: { type: "boolean" },
  commune: { type: "string" },
  pin: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, strict: true, options });
  } catch (error) {
    return wrongUsage(error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error));
  }
})();
if (values.help === true) {
  console.log(usage);
  process.exit(0);
}
if (positionals.length === 0) wrongUsage("no command given");
if (!commands.includes(positionals.slice(0, 2).join(" "))) wrongUsage(`unknown command: ${positionals.slice(0, 2).join(" ")}`);

/** One line on standard output, once the output has room for it (a long export waits for a slow reader instead of piling up in memory). */
const writeLine = (line: string) =>
  Effect.callback<void>((resume) => {
    if (process.stdout.write(`${line}\n`)) resume(Effect.void);
    else process.stdout.once("drain", () => resume(Effect.void));
  });

const program = Effect.gen(function* () {
  const [group, action, argument] = positionals;
  if (group === "token" && action === "issue") {
    // A token never names a person of the directory, nor the platform's first administrator: a
    // holder acts in their own name with their card only, and the bootstrap session is the first
    // start's, once (ADR 0018) — the command line is no way to borrow either.
    if (values.id === Actor.bootstrapAdministratorId) wrongUsage(`--id ${values.id} is reserved to the token of the platform's first start`);
    if (values.id !== undefined) {
      const known = yield* Effect.exit(AgentStore.use((agents) => agents.load(values.id as string)));
      if (known._tag === "Success") wrongUsage(`--id ${values.id} names an agent of the directory: they sign in with their card`);
    }
    const actor = yield* Schema.decodeUnknownEffect(Actor.Actor)({
      id: values.id ?? `${values.role}-${Date.now().toString(36)}`,
      name: values.name,
      role: values.role,
      site: parseSite(values.site ?? ""),
    });
    const purpose = yield* Schema.decodeUnknownEffect(Schema.Literals(["machine", "bootstrap"]))(values.purpose ?? "machine");
    const issued = yield* Tokens.ActorTokens.use((tokens) => tokens.issue(actor, Number(values.days ?? 30), Platform.system, purpose));
    console.log(issued.token);
    console.error(`${purpose} token ${issued.info.id} for ${actor.name} (${actor.role}), expires ${issued.info.expiresAt.toISOString()}`);
    return 0;
  }
  if (group === "token" && action === "list") {
    for (const token of yield* Tokens.ActorTokens.use((tokens) => tokens.list)) {
      console.log(
        [token.id, token.actor.role, token.actor.name, token.expiresAt.toISOString(), token.revokedAt === undefined ? "active" : "revoked"].join("\t"),
      );
    }
    return 0;
  }
  if (group === "token" && action === "revoke" && argument !== undefined) {
    const revoked = yield* Tokens.ActorTokens.use((tokens) => tokens.revoke(argument, Platform.system));
    console.error(revoked ? `token ${argument} revoked` : `no active token ${argument}`);
    return revoked ? 0 : 1;
  }
  if (group === "communes" && action === "import") {
    yield* Platform.importCommunes;
    return 0;
  }
  if (group === "audit" && action === "verify") {
    const report =
      values.checkpoints === undefined
        ? yield* Audit.verifyTrail
        : yield* Audit.verifyAgainst(yield* Effect.promise(() => AuditPublication.readDirectory(values.checkpoints as string)));
    console.log(
      report.valid
        ? `audit trail valid: ${report.events} events, through ${report.checkpoints} signed checkpoints`
        : `audit trail BROKEN at position ${report.firstBreak?.position}: ${report.firstBreak?.reason}`,
    );
    return report.valid ? 0 : 2;
  }
  if (group === "audit" && action === "export") {
    const site = values.site ?? "";
    if (!/^(national|commune:[0-9AB]{5}|prefecture:[0-9AB]{2,3})$/.test(site)) {
      console.error("audit export needs --site national | commune:INSEE | prefecture:DEP");
      return 64;
    }
    if (values.proofs === true) {
      const proven = yield* Audit.exportProvenStream(site);
      if (proven === undefined) {
        console.error("no published checkpoint yet: run audit checkpoint first");
        return 1;
      }
      const signer = yield* Audit.CheckpointSigner;
      // Written as it is read, waiting for the output to drain: an export of 100,000 entries is never held whole.
      yield* writeLine(JSON.stringify({ checkpoint: proven.checkpoint, publicKey: signer.publicKey }));
      yield* Stream.runForEachArray(proven.entries, (entries) => writeLine(entries.map((entry) => JSON.stringify(entry)).join("\n")));
      return 0;
    }
    let after = 0;
    for (;;) {
      const entries = yield* Audit.AuditTrail.use((trail) => trail.export(site, after, 1000));
      for (const entry of entries) console.log(JSON.stringify(entry));
      if (entries.length < 1000) break;
      after = (entries.at(-1) as Audit.Entry).position;
    }
    return 0;
  }
  if (group === "audit" && action === "checkpoint") {
    const signed = yield* Audit.checkpoint;
    console.log(signed === undefined ? "nothing to sign: the head is already checkpointed" : `checkpoint at ${signed.position}: ${signed.hash}`);
    return 0;
  }
  if (group === "retention" && action === "purge") {
    const report = yield* Retention.Retention.use((retention) => retention.purge(new Date(), Platform.system));
    console.log(
      Object.entries(report)
        .map(([kind, deleted]) => `${kind}: ${deleted}`)
        .join("\n"),
    );
    return 0;
  }
  if (group === "demo" && action === "prepare") {
    const prepared = yield* Demo.prepare({
      commune: values.commune ?? "69123",
      pin: values.pin ?? Demo.defaultPin,
      dataDir: config.dataDir,
      cards: config.pkcs11Library === undefined ? join(config.dataDir, "cards") : undefined,
    });
    if (values.json === true) console.log(JSON.stringify(prepared));
    else
      console.log(
        [
          `commune ${prepared.commune}: ${prepared.pendingRequests} specimen requests pending (training on ${prepared.trainingOn})`,
          `officer ${prepared.officer}, card ${prepared.serial}, PIN ${prepared.pin}`,
          prepared.cards === undefined ? "cards: the PKCS#11 module of the configuration" : `virtual cards: ${prepared.cards}`,
          `specimen file (the mairie's register): ${prepared.specimenFile}`,
          `log in with the card: ExchangeClient.login({ baseUrl: "${config.publicUrl}" }, { serial: "${prepared.serial}", pin: "${prepared.pin}" })`,
        ].join("\n"),
      );
    return 0;
  }
  return wrongUsage(`unknown command: ${positionals.join(" ")}`);
});

// Embedded mode: through the running platform's socket when it runs, else on the embedded server started for this command.
const config = Platform.Configuration.load(Platform.Configuration.platform);
const served = config.databaseUrl === undefined ? await Platform.runningEmbeddedServer(config.dataDir) : undefined;
const started = config.databaseUrl === undefined && served === undefined ? await Platform.startEmbeddedServer(config.dataDir) : undefined;
const embeddedUrl = served ?? started?.connectionString;
const runtime = ManagedRuntime.make(Platform.persistence(embeddedUrl === undefined ? config : { ...config, databaseUrl: Redacted.make(embeddedUrl) }));
const reportFailure = (error: { readonly message: string; readonly _tag?: string; readonly reason?: string }) =>
  Effect.sync(() => {
    console.error(`error: ${error.message || error.reason || error._tag}`);
    return 65;
  });
const code = await runtime.runPromise(program.pipe(Effect.catch(reportFailure)));
await runtime.dispose();
await started?.stop();
process.exit(code);
