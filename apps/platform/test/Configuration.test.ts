/**
 * The configuration read from an environment: good values parsed, every bad value refused with a
 * line naming its variable (and never repeating the value), secrets never shown by `String` or
 * `JSON.stringify`, and the embedded defaults when nothing is set.
 */
import { assert, describe, it } from "@effect/vitest";
import { Config, ConfigProvider, Effect, Exit, Redacted } from "effect";
import { resolve } from "node:path";
import * as Configuration from "../src/Configuration.js";

const environment = (env: Record<string, string>) => ConfigProvider.fromEnv({ env });

/** The line a refused environment gets. */
const refusal = <A>(config: Config.Config<A>, env: Record<string, string>) =>
  config.parse(environment(env)).pipe(Effect.flip, Effect.map(Configuration.describe));

const secretKey = "0123456789abcdef".repeat(4);
const production = {
  DATABASE_URL: "postgres://comedec:database-password@db.example:5432/comedec",
  PORT: "8080",
  HOST: "0.0.0.0",
  COMEDEC_DATA_DIR: "/var/lib/comedec",
  COMEDEC_SECRET_KEY: secretKey,
  COMEDEC_CA_CUSTODIAN_1: "alice:first-custodian-secret",
  COMEDEC_CA_CUSTODIAN_2: "bob:second-custodian-secret",
  COMEDEC_PUBLIC_URL: "https://comedec.example.gouv.fr/",
  COMEDEC_PKCS11_LIBRARY: "/usr/lib/pkcs11/vendor.so",
  COMEDEC_TRUST_PROXY: "1",
  COMEDEC_WORKER: "in-process",
  COMEDEC_WORKER_CONCURRENCY: "8",
  COMEDEC_SMTP_URL: "smtps://mailer:smtp-password@smtp.example:465",
  COMEDEC_MAIL_FROM: "COMEDEC <ne-pas-repondre@comedec.example.gouv.fr>",
};
const secrets = [secretKey, "database-password", "first-custodian-secret", "second-custodian-secret", "smtp-password"];

const everything = Config.all({
  platform: Configuration.platform,
  host: Configuration.host,
  trustProxy: Configuration.trustProxy,
  inProcessWorker: Configuration.inProcessWorker,
  workerConcurrency: Configuration.workerConcurrency(2),
  mail: Configuration.mail,
});

describe("Configuration", () => {
  it.effect("reads every variable of a production environment", () =>
    Effect.gen(function* () {
      const config = yield* everything.parse(environment(production));
      assert.strictEqual(config.platform.port, 8080);
      assert.strictEqual(config.platform.dataDir, "/var/lib/comedec");
      assert.strictEqual(config.platform.publicUrl, "https://comedec.example.gouv.fr");
      assert.strictEqual(config.platform.pkcs11Library, "/usr/lib/pkcs11/vendor.so");
      assert.strictEqual(Redacted.value(config.platform.databaseUrl!), production.DATABASE_URL);
      assert.strictEqual(Redacted.value(config.platform.secretKey!), secretKey);
      const [first, second] = config.platform.caCustodians;
      assert.deepStrictEqual([first?.name, second?.name], ["alice", "bob"]);
      assert.deepStrictEqual([Redacted.value(first!.secret), Redacted.value(second!.secret)], ["first-custodian-secret", "second-custodian-secret"]);
      assert.strictEqual(config.host, "0.0.0.0");
      assert.strictEqual(config.trustProxy, 1);
      assert.isTrue(config.inProcessWorker);
      assert.strictEqual(config.workerConcurrency, 8);
      assert.strictEqual(Redacted.value(config.mail.smtpUrl!), production.COMEDEC_SMTP_URL);
      assert.strictEqual(config.mail.from, production.COMEDEC_MAIL_FROM);
    }),
  );

  it.effect("falls back on the embedded defaults when nothing is set, or set empty", () =>
    Effect.gen(function* () {
      for (const env of [{}, { DATABASE_URL: "", COMEDEC_SMTP_URL: "", PORT: "", COMEDEC_SECRET_KEY: "" }]) {
        const config = yield* everything.parse(environment(env));
        assert.deepStrictEqual(config.platform, {
          databaseUrl: undefined,
          dataDir: resolve(".data"),
          port: 3000,
          publicUrl: "http://127.0.0.1:3000",
          secretKey: undefined,
          caCustodians: [undefined, undefined],
          pkcs11Library: undefined,
          caToken: undefined,
          testKillAt: undefined,
          auditPublicationDir: undefined,
          timeouts: { connectMillis: 5_000, statementMillis: 30_000, shutdownMillis: 30_000 },
        });
        assert.deepStrictEqual(
          { host: config.host, trustProxy: config.trustProxy, inProcessWorker: config.inProcessWorker, workerConcurrency: config.workerConcurrency },
          { host: "127.0.0.1", trustProxy: 0, inProcessWorker: false, workerConcurrency: 2 },
        );
        assert.deepStrictEqual(config.mail, { smtpUrl: undefined, from: "COMEDEC <ne-pas-repondre@comedec.invalid>" });
      }
    }),
  );

  it.effect("reads the timeouts in milliseconds, refusing what is not a whole number in range", () =>
    Effect.gen(function* () {
      const config = yield* Configuration.platform.parse(
        environment({ COMEDEC_DB_CONNECT_TIMEOUT_MS: "1500", COMEDEC_DB_STATEMENT_TIMEOUT_MS: "8000", COMEDEC_SHUTDOWN_TIMEOUT_MS: "0" }),
      );
      assert.deepStrictEqual(config.timeouts, { connectMillis: 1500, statementMillis: 8000, shutdownMillis: 0 });
      for (const value of ["5s", "-1", "99"]) {
        const refused = Configuration.read(Configuration.platform, environment({ COMEDEC_DB_CONNECT_TIMEOUT_MS: value }));
        assert.isTrue(Exit.isFailure(refused));
      }
    }),
  );

  it.effect("reads the CA's HSM token, its label comedec-ca by default, and refuses a label without its module", () =>
    Effect.gen(function* () {
      const named = yield* Configuration.platform.parse(
        environment({ ...production, COMEDEC_CA_PKCS11_LIBRARY: "/usr/lib/softhsm/libsofthsm2.so", COMEDEC_CA_PKCS11_TOKEN: "ca-2026" }),
      );
      assert.deepStrictEqual(named.caToken, { library: "/usr/lib/softhsm/libsofthsm2.so", token: "ca-2026" });
      const unnamed = yield* Configuration.platform.parse(environment({ ...production, COMEDEC_CA_PKCS11_LIBRARY: "/usr/lib/softhsm/libsofthsm2.so" }));
      assert.deepStrictEqual(unnamed.caToken, { library: "/usr/lib/softhsm/libsofthsm2.so", token: "comedec-ca" });
      const refused = yield* refusal(Configuration.platform, { ...production, COMEDEC_CA_PKCS11_TOKEN: "ca-2026" });
      assert.strictEqual(refused, "COMEDEC_CA_PKCS11_LIBRARY: required with COMEDEC_CA_PKCS11_TOKEN: the PKCS#11 module of the CA's token");
    }),
  );

  it.effect("names the port in the default public URL", () =>
    Effect.gen(function* () {
      const config = yield* Configuration.platform.parse(environment({ PORT: "4000" }));
      assert.strictEqual(config.publicUrl, "http://127.0.0.1:4000");
    }),
  );

  it.effect.each([
    ["PORT", "abc", "PORT: a port number from 1 to 65535 expected"],
    ["PORT", "0", "PORT: a port number from 1 to 65535 expected"],
    ["PORT", "65536", "PORT: a port number from 1 to 65535 expected"],
    ["PORT", "80.5", "PORT: a port number from 1 to 65535 expected"],
    ["HOST", "http://somewhere", "HOST: a host name or an IP address expected"],
    ["DATABASE_URL", "mysql://root:database-password@db/comedec", "DATABASE_URL: a postgres:// or postgresql:// connection string expected"],
    ["COMEDEC_SECRET_KEY", "0123456789abcdef", "COMEDEC_SECRET_KEY: 64 hexadecimal digits expected"],
    ["COMEDEC_SECRET_KEY", `${secretKey.slice(1)}g`, "COMEDEC_SECRET_KEY: 64 hexadecimal digits expected"],
    ["COMEDEC_CA_CUSTODIAN_1", "first-custodian-secret", "COMEDEC_CA_CUSTODIAN_1: name:secret expected, the secret of at least 16 characters"],
    ["COMEDEC_CA_CUSTODIAN_2", "bob:short", "COMEDEC_CA_CUSTODIAN_2: name:secret expected, the secret of at least 16 characters"],
    ["COMEDEC_CA_CUSTODIAN_1", ":first-custodian-secret", "COMEDEC_CA_CUSTODIAN_1: name:secret expected, the secret of at least 16 characters"],
    ["COMEDEC_PUBLIC_URL", "comedec.example.gouv.fr", "COMEDEC_PUBLIC_URL: an http:// or https:// URL expected"],
    ["COMEDEC_PUBLIC_URL", "ftp://comedec.example.gouv.fr", "COMEDEC_PUBLIC_URL: an http:// or https:// URL expected"],
    ["COMEDEC_TRUST_PROXY", "yes", "COMEDEC_TRUST_PROXY: a number of proxies from 0 to 10, or their IP addresses separated by commas, expected"],
    ["COMEDEC_WORKER", "separate", "COMEDEC_WORKER: in-process expected, or nothing"],
    ["COMEDEC_WORKER_CONCURRENCY", "0", "COMEDEC_WORKER_CONCURRENCY: a whole number from 1 to 1000 expected"],
    ["COMEDEC_WORKER_CONCURRENCY", "many", "COMEDEC_WORKER_CONCURRENCY: a whole number from 1 to 1000 expected"],
    ["COMEDEC_SMTP_URL", "https://mailer:smtp-password@smtp.example", "COMEDEC_SMTP_URL: an smtp:// or smtps:// URL expected"],
    ["COMEDEC_MAIL_FROM", "nobody", "COMEDEC_MAIL_FROM: an e-mail address expected, as address@domain or Name <address@domain>"],
  ] as const)("refuses %s=%s, naming the variable", ([variable, value, line]) =>
    Effect.gen(function* () {
      const refused = yield* refusal(everything, { ...production, [variable]: value });
      assert.strictEqual(refused, line);
      for (const secret of secrets) assert.notInclude(refused, secret);
    }),
  );

  it.effect("refuses the same person as both CA custodians", () =>
    Effect.gen(function* () {
      const refused = yield* refusal(Configuration.platform, { ...production, COMEDEC_CA_CUSTODIAN_2: "alice:another-custodian-secret" });
      assert.strictEqual(refused, "COMEDEC_CA_CUSTODIAN_2: a second person expected: alice is already COMEDEC_CA_CUSTODIAN_1");
    }),
  );

  it.effect("never shows a secret when the configuration is printed or serialised", () =>
    Effect.gen(function* () {
      const config = yield* everything.parse(environment(production));
      const shown = [
        String(config.platform.secretKey),
        String(config.platform.databaseUrl),
        String(config.mail.smtpUrl),
        JSON.stringify(config),
        `${config.platform.caCustodians[0]?.secret}`,
      ];
      for (const text of shown) for (const secret of secrets) assert.notInclude(text, secret);
      assert.include(JSON.stringify(config), '"name":"alice"');
    }),
  );

  it("reads once, as `read` reports: the value, or the refusal's line", () => {
    const good = Configuration.read(Configuration.port, environment({ PORT: "3001" }));
    assert.isTrue(Exit.isSuccess(good) && good.value === 3001);
    const bad = Configuration.read(Configuration.port, environment({ PORT: "abc" }));
    assert.deepStrictEqual(
      Exit.isFailure(bad) ? Exit.findErrorOption(bad) : undefined,
      Exit.findErrorOption(Exit.fail("PORT: a port number from 1 to 65535 expected")),
    );
  });
});
