/**
 * Where the layers are wired, once: the persistence adapter for the runtime mode (PostgreSQL when
 * DATABASE_URL is set, PGlite in a data directory for a caller that opens it alone; the embedded
 * start gives the URL of its own PostgreSQL server, ADR 0013), and the bootstrap steps the
 * embedded start performs (reference communes, a first administrator token).
 */
import { Actor } from "@comedec/actor";
import type { AgentCards } from "@comedec/agent";
import type { CardFailure, CardManufacturer, CertificateAuthority, KeyTokens, SmartCards } from "@comedec/card";
import { CommuneDirectory } from "@comedec/commune";
import { ReferenceList } from "@comedec/commune-reference";
import { Directory } from "@comedec/deployment";
import { Persistence } from "@comedec/persistence";
import { CrashPoints, Holders } from "@comedec/pgca";
import { AuditKey, AuditPublication, Authority, CardAgentKey, SigningKey } from "@comedec/pki";
import { Access, type Audit, Tokens } from "@comedec/rgs";
import { Pkcs11 } from "@comedec/smartcard-pkcs11";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, Layer, Redacted } from "effect";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Platform as Configuration } from "./Configuration.js";

/** A secret from the configuration, or (embedded mode) from a file of the data directory, created on first start. */
const embeddedSecret = (config: Configuration, file: string, prefix = ""): string => {
  const path = join(config.dataDir, file);
  if (!existsSync(path)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(path, `${prefix}${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  }
  return readFileSync(path, "utf8").trim();
};

/** The two CA custodians of the configuration (embedded: two generated ones, for demonstration only). */
const custodians = (config: Configuration): ReadonlyArray<Authority.Custodian> =>
  config.caCustodians.map((given, index) => {
    if (given !== undefined) return { name: given.name, secret: Redacted.value(given.secret) };
    const file = `ca-custodian-${index + 1}`;
    const text = embeddedSecret(config, file, `custodian-${index + 1}:`);
    const colon = text.indexOf(":");
    if (colon <= 0) throw new Error(`${join(config.dataDir, file)} reads name:secret`);
    return { name: text.slice(0, colon), secret: text.slice(colon + 1) };
  });

/** What the card platform adds on top of persistence: the PKI, the smart cards, and `AgentCards`. */
export interface CardPlatformOptions {
  readonly pki: Authority.Options;
  /** The smart-card driver: the simulator's virtual cards, or PKCS#11 on real ones. */
  readonly smartCards: Layer.Layer<SmartCards | CardManufacturer>;
  /** The directory the audit trail's signed checkpoints are published to; in memory when absent. */
  readonly auditPublication?: string | undefined;
  /** Tests only: the point where the process SIGKILLs itself (a crash between two writes). */
  readonly killAt?: CrashPoints.Point | undefined;
  /** The CA's HSM token (its label, the PIN both custodians make, the driver): the CA and audit keys there; sealed software keys when absent. */
  readonly caToken?: { readonly label: string; readonly pin: string; readonly keys: Layer.Layer<KeyTokens> } | undefined;
}

/** A layer on the CA's token that does not open stops the start, saying why on stderr. */
const onToken =
  (label: string) =>
  <A, R>(layer: Layer.Layer<A, CardFailure, R>): Layer.Layer<A, never, R> =>
    layer.pipe(
      Layer.tapError((failure) =>
        Effect.sync(() =>
          console.error(
            failure._tag === "PinIncorrect"
              ? `the CA token ${label} refused its PIN: COMEDEC_CA_CUSTODIAN_1 and _2 are not the custodians who set it`
              : `the CA token ${label} did not open: ${failure._tag === "DeviceFailure" ? failure.reason : failure._tag}`,
          ),
        ),
      ),
      Layer.orDie,
    );

/** The crash points: the process kills itself at `killAt`, passes every other. */
const crashPoints = (killAt: CrashPoints.Point | undefined) =>
  killAt === undefined
    ? Layer.empty
    : Layer.succeed(CrashPoints.CrashPoints, (point: CrashPoints.Point) =>
        point === killAt ? Effect.sync(() => void process.kill(process.pid, "SIGKILL")).pipe(Effect.andThen(Effect.never)) : Effect.void,
      );

/** The smart-card driver of the configuration: PKCS#11 when a module is named, else virtual cards in the data directory. */
export const smartCards = (config: Configuration): Layer.Layer<SmartCards | CardManufacturer> =>
  config.pkcs11Library === undefined
    ? Simulator.layer({ directory: join(config.dataDir, "cards") })
    : Layer.orDie(Pkcs11.layer({ library: config.pkcs11Library }));

/** Every service of the platform: persistence, then the PKI on its certificate register, the smart cards, and `AgentCards` on both. */
export const services = (
  persistenceLayer: Layer.Layer<Persistence.Ports>,
  options: CardPlatformOptions,
): Layer.Layer<
  | Persistence.Ports
  | AgentCards
  | CertificateAuthority
  | Authority.Revocation
  | Authority.CaCertificates
  | SmartCards
  | CardManufacturer
  | Audit.CheckpointSigner
  | Audit.CheckpointPublication
  | CardAgentKey.CardAgentKey
> => {
  const token = options.caToken;
  const custody =
    token === undefined
      ? { authority: Authority.authorityLayer(options.pki), audit: AuditKey.layer(options.pki), cardAgent: CardAgentKey.layer(options.pki) }
      : {
          authority: Authority.authorityOn(Authority.tokenHierarchyLayer({ token: token.label, pin: token.pin }), options.pki.baseUrl).pipe(
            Layer.provide(token.keys),
            onToken(token.label),
          ),
          audit: AuditKey.tokenLayer({ token: token.label, pin: token.pin }).pipe(Layer.provide(token.keys), onToken(token.label)),
          cardAgent: CardAgentKey.tokenLayer({ token: token.label, pin: token.pin }).pipe(Layer.provide(token.keys), onToken(token.label)),
        };
  const withPki = custody.authority.pipe(Layer.provideMerge(persistenceLayer));
  return Layer.mergeAll(
    Holders.layer.pipe(Layer.provideMerge(withPki)),
    options.smartCards,
    custody.audit,
    custody.cardAgent,
    AuditPublication.layer({ directory: options.auditPublication }),
    crashPoints(options.killAt),
  );
};

/** The layers of the configured mode. */
export const persistence = (config: Configuration) => {
  const secretKey = Buffer.from(config.secretKey === undefined ? embeddedSecret(config, "secret-key") : Redacted.value(config.secretKey), "hex");
  if (secretKey.length !== 32) throw new Error(`${join(config.dataDir, "secret-key")} must hold 32 bytes written as 64 hexadecimal digits`);
  const database =
    config.databaseUrl === undefined
      ? Persistence.pglite({ dataDir: join(config.dataDir, "pglite"), secretKey })
      : Persistence.postgres({
          connectionString: Redacted.value(config.databaseUrl),
          secretKey,
          connectionTimeoutMillis: config.timeouts.connectMillis,
          statementTimeoutMillis: config.timeouts.statementMillis,
        });
  const passphrase = Authority.custodianPassphrase(custodians(config));
  // Software CA keys are the embedded mode's custody; a deployment on PostgreSQL is told so at every start (ADR 0014).
  if (config.databaseUrl !== undefined && config.caToken === undefined) {
    console.error(
      "warning: the CA and audit keys are software keys sealed in the data directory; set COMEDEC_CA_PKCS11_LIBRARY (and COMEDEC_CA_PKCS11_TOKEN) to keep them on an HSM",
    );
  }
  const caToken = config.caToken;
  return services(database, {
    pki: {
      directory: join(config.dataDir, "pki"),
      passphrase,
      baseUrl: `${config.publicUrl}/pki`,
    },
    caToken:
      caToken === undefined
        ? undefined
        : { label: caToken.token, pin: SigningKey.tokenPin(passphrase, caToken.token), keys: Layer.orDie(Pkcs11.keyTokensLayer({ library: caToken.library })) },
    smartCards: smartCards(config),
    auditPublication: config.auditPublicationDir ?? join(config.dataDir, "audit-checkpoints"),
    killAt: config.testKillAt,
  });
};

/** The platform itself, acting for bootstrap and command-line operations. */
export const system: Actor.Actor = Access.platform;

/** Imports the reference list of communes, reporting progress on stderr. */
export const importCommunes = Effect.gen(function* () {
  const started = Date.now();
  const list = ReferenceList.load((stage) => console.error(`communes: ${stage}…`));
  console.error(`communes: writing ${list.communes.length} communes (${list.withCoordinates} with coordinates)…`);
  const grant = yield* Access.authorize(system, "commune.import", Access.nation);
  const report = yield* Directory.importReference(grant, list.communes);
  console.error(
    `communes: ${report.total} in the reference list — ${report.added} added, ${report.renamed} renamed, ${report.updated} updated, ${report.removed} removed (${Date.now() - started} ms)`,
  );
  return report;
});

/** Imports the communes when the directory is empty (first start). */
export const importCommunesIfEmpty = Effect.gen(function* () {
  const some = yield* CommuneDirectory.use((directory) => directory.search({ limit: 1 }));
  if (some.length === 0) yield* importCommunes;
});

/** How long the bootstrap token lasts, in days: one, so it expires within 24 hours of the first start. */
export const bootstrapTokenDays = 1;

/**
 * Issues the national administrator's bootstrap token at the first start only (no national
 * administrator's token was ever issued), for one day, written to a file only its owner reads.
 * Later starts issue nothing, even once it has expired: further tokens come from an administrator
 * or from the operator's command line.
 */
export const ensureAdministratorToken = (config: Configuration) =>
  Effect.gen(function* () {
    const tokens = yield* Tokens.ActorTokens;
    const issuedBefore = (yield* tokens.list).some((token) => token.actor.role === "national-administrator");
    const file = join(config.dataDir, "admin-token");
    if (issuedBefore) return file;
    const administrator = Actor.Actor.make({
      id: Actor.bootstrapAdministratorId,
      name: "Administrateur national (amorçage)",
      role: "national-administrator",
      site: { _tag: "national" },
    });
    const { token } = yield* tokens.issue(administrator, bootstrapTokenDays, system, "bootstrap");
    yield* Effect.promise(async () => {
      await mkdir(config.dataDir, { recursive: true });
      await writeFile(file, `${token}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
    });
    return file;
  });
