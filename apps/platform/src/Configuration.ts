/**
 * The platform's configuration, read once at start from the environment with Effect `Config`: one
 * piece per variable of the README, composed here into what the API and the worker share, and by
 * each app into its own. A bad value is refused at start, naming its variable; secrets stay
 * `Redacted` until the adapter that uses them.
 */
import { Config, ConfigProvider, Effect, Exit, Redacted, Schema, SchemaIssue } from "effect";
import { isIP } from "node:net";
import { resolve } from "node:path";

/** The exit code of a process refused its configuration (sysexits' EX_CONFIG). */
export const exitCode = 78;

/** A variable's text, kept when `valid`, else refused with `expected` as the message (which never repeats the value). */
const text = (name: string, expected: string, valid: (value: string) => boolean = () => true): Config.Config<string> =>
  Config.schema(Schema.String.check(Schema.makeFilter(valid, { message: expected })), name);

/** The listening port of the API (`PORT`, 3000). */
export const port: Config.Config<number> = text("PORT", "a port number from 1 to 65535 expected", (value) => {
  const number = Number(value);
  return /^[0-9]+$/.test(value) && number >= 1 && number <= 65535;
}).pipe(Config.map(Number), Config.withDefault(3000));

/** The address the API listens on (`HOST`, 127.0.0.1). */
export const host: Config.Config<string> = text("HOST", "a host name or an IP address expected", (value) => /^[^\s/]+$/.test(value)).pipe(
  Config.withDefault("127.0.0.1"),
);

/** PostgreSQL (`DATABASE_URL`, a secret since it carries the password); the embedded PostgreSQL server when unset. */
export const databaseUrl: Config.Config<Redacted.Redacted<string> | undefined> = text(
  "DATABASE_URL",
  "a postgres:// or postgresql:// connection string expected",
  (value) => /^(postgres|postgresql|socket):/.test(value) || value.startsWith("/"),
).pipe(
  Config.map((value) => Redacted.make(value, { label: "DATABASE_URL" })),
  Config.withDefault(undefined),
);

/** The embedded mode's data directory (`COMEDEC_DATA_DIR`, `.data`), made absolute. */
export const dataDir: Config.Config<string> = text("COMEDEC_DATA_DIR", "a directory expected").pipe(
  Config.withDefault(".data"),
  Config.map((dir) => resolve(dir)),
);

/** The public base URL of the API (`COMEDEC_PUBLIC_URL`), named in certificates; by default the API on 127.0.0.1 and `port`. */
export const publicUrl = (port: number): Config.Config<string> =>
  text("COMEDEC_PUBLIC_URL", "an http:// or https:// URL expected", (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)).pipe(
    Config.map((url) => url.replace(/\/+$/, "")),
    Config.withDefault(`http://127.0.0.1:${port}`),
  );

/** Seals PUKs and notification bodies at rest (`COMEDEC_SECRET_KEY`, 64 hexadecimal digits); embedded: a file of the data directory. */
export const secretKey: Config.Config<Redacted.Redacted<string> | undefined> = text("COMEDEC_SECRET_KEY", "64 hexadecimal digits expected", (value) =>
  /^[0-9a-fA-F]{64}$/.test(value),
).pipe(
  Config.map((value) => Redacted.make(value, { label: "COMEDEC_SECRET_KEY" })),
  Config.withDefault(undefined),
);

/** One of the two people whose secrets together unlock the CA keys (RGS dual control). */
export interface Custodian {
  readonly name: string;
  readonly secret: Redacted.Redacted<string>;
}

/** The shortest custodian secret the PKI accepts. */
const custodianSecretLength = 16;

/** `COMEDEC_CA_CUSTODIAN_<index>`, `name:secret`; `otherName` is refused, the two custodians being two people. */
const custodian = (index: 1 | 2, otherName?: string): Config.Config<Custodian | undefined> => {
  const name = `COMEDEC_CA_CUSTODIAN_${index}`;
  const colon = (value: string) => value.indexOf(":");
  return text(
    name,
    `name:secret expected, the secret of at least ${custodianSecretLength} characters`,
    (value) => colon(value) > 0 && value.length - colon(value) - 1 >= custodianSecretLength,
  ).pipe(
    Config.map(
      (value): Custodian => ({
        name: value.slice(0, colon(value)),
        secret: Redacted.make(value.slice(colon(value) + 1), { label: name }),
      }),
    ),
    Config.withDefault(undefined),
    Config.flatMap((given) =>
      given !== undefined && given.name === otherName
        ? Config.fail(refusal(name, `a second person expected: ${otherName} is already COMEDEC_CA_CUSTODIAN_1`))
        : Config.succeed(given),
    ),
  );
};

/** The two CA custodians (`COMEDEC_CA_CUSTODIAN_1` and `_2`), two distinct people; embedded: two files of the data directory. */
export const caCustodians: Config.Config<readonly [Custodian | undefined, Custodian | undefined]> = custodian(1).pipe(
  Config.flatMap((first) => Config.map(custodian(2, first?.name), (second) => [first, second] as const)),
);

/** The PKCS#11 module of the card readers (`COMEDEC_PKCS11_LIBRARY`); virtual cards when unset. */
export const pkcs11Library: Config.Config<string | undefined> = text("COMEDEC_PKCS11_LIBRARY", "the path of a PKCS#11 module expected").pipe(
  Config.withDefault(undefined),
);

/** The CA's HSM: the PKCS#11 module and the label of the token that holds the CA's and the audit trail's keys. */
export interface CaToken {
  readonly library: string;
  readonly token: string;
}

/**
 * The CA's HSM (`COMEDEC_CA_PKCS11_LIBRARY`, `COMEDEC_CA_PKCS11_TOKEN`, the token's label,
 * `comedec-ca` by default): when set, the CA and audit keys are generated and used on that token,
 * opened with the PIN both custodians' secrets make (ADR 0014); unset, they are software keys
 * sealed in the data directory, which is the embedded mode's custody.
 */
export const caToken: Config.Config<CaToken | undefined> = Config.all({
  library: text("COMEDEC_CA_PKCS11_LIBRARY", "the path of a PKCS#11 module expected").pipe(Config.withDefault(undefined)),
  token: text("COMEDEC_CA_PKCS11_TOKEN", "a token label of 1 to 32 characters expected", (value) => value.length >= 1 && value.length <= 32).pipe(
    Config.withDefault(undefined),
  ),
}).pipe(
  Config.flatMap(({ library, token }) =>
    library === undefined
      ? token === undefined
        ? Config.succeed(undefined)
        : Config.fail(refusal("COMEDEC_CA_PKCS11_LIBRARY", "required with COMEDEC_CA_PKCS11_TOKEN: the PKCS#11 module of the CA's token"))
      : Config.succeed({ library, token: token ?? "comedec-ca" }),
  ),
);

/**
 * Where the audit trail's signed checkpoints are published (`COMEDEC_AUDIT_PUBLICATION_DIR`; by
 * default `audit-checkpoints` in the data directory): an append-only directory the operator ships
 * off the database's machine.
 */
export const auditPublicationDir: Config.Config<string | undefined> = text("COMEDEC_AUDIT_PUBLICATION_DIR", "a directory expected").pipe(
  Config.map((dir) => resolve(dir)),
  Config.withDefault(undefined),
);

/** Milliseconds from a variable, `byDefault` when unset, refused outside `min`…`max`. */
const millis = (name: string, byDefault: number, min: number, max: number): Config.Config<number> =>
  text(
    name,
    `a whole number of milliseconds from ${min} to ${max} expected`,
    (value) => /^[0-9]+$/.test(value) && Number(value) >= min && Number(value) <= max,
  ).pipe(Config.map(Number), Config.withDefault(byDefault));

/** The timeouts that keep a request from waiting on a database that does not answer. */
export interface Timeouts {
  /** `COMEDEC_DB_CONNECT_TIMEOUT_MS` (5000): the longest wait for a database connection before answering 503. */
  readonly connectMillis: number;
  /** `COMEDEC_DB_STATEMENT_TIMEOUT_MS` (30000): the longest a statement runs (PostgreSQL's `statement_timeout`). */
  readonly statementMillis: number;
  /** `COMEDEC_SHUTDOWN_TIMEOUT_MS` (30000): on SIGTERM, how long in-flight requests and jobs may take to finish. */
  readonly shutdownMillis: number;
}

/** The timeouts (`COMEDEC_DB_CONNECT_TIMEOUT_MS`, `COMEDEC_DB_STATEMENT_TIMEOUT_MS`, `COMEDEC_SHUTDOWN_TIMEOUT_MS`). */
export const timeouts: Config.Config<Timeouts> = Config.all({
  connectMillis: millis("COMEDEC_DB_CONNECT_TIMEOUT_MS", 5_000, 100, 600_000),
  statementMillis: millis("COMEDEC_DB_STATEMENT_TIMEOUT_MS", 30_000, 100, 3_600_000),
  shutdownMillis: millis("COMEDEC_SHUTDOWN_TIMEOUT_MS", 30_000, 0, 3_600_000),
});

/** What the API, the worker and the command lines share. */
export interface Platform {
  readonly databaseUrl: Redacted.Redacted<string> | undefined;
  readonly dataDir: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly secretKey: Redacted.Redacted<string> | undefined;
  readonly caCustodians: readonly [Custodian | undefined, Custodian | undefined];
  readonly pkcs11Library: string | undefined;
  /** The CA's HSM token; software keys sealed in the data directory when unset. */
  readonly caToken?: CaToken | undefined;
  /** The audit publication directory; `<dataDir>/audit-checkpoints` when unset. */
  readonly auditPublicationDir: string | undefined;
  /** The database and shutdown timeouts. */
  readonly timeouts: Timeouts;
  /** Tests only: the point between two writes where the process kills itself (`COMEDEC_TEST_KILL_AT`). */
  readonly testKillAt?: "after-card-commit" | undefined;
}

/**
 * A crash test's point (`COMEDEC_TEST_KILL_AT=after-card-commit`): the process SIGKILLs itself
 * there, after a card's commit and before the CRL's publication. Unset in production.
 */
export const testKillAt: Config.Config<"after-card-commit" | undefined> = text(
  "COMEDEC_TEST_KILL_AT",
  "after-card-commit expected",
  (value) => value === "after-card-commit",
).pipe(
  Config.map((value) => value as "after-card-commit"),
  Config.withDefault(undefined),
);

/** The shared configuration, every piece above. */
export const platform: Config.Config<Platform> = port.pipe(
  Config.flatMap((port) =>
    Config.all({
      databaseUrl,
      dataDir,
      port: Config.succeed(port),
      publicUrl: publicUrl(port),
      secretKey,
      caCustodians,
      pkcs11Library,
      caToken,
      auditPublicationDir,
      timeouts,
      testKillAt,
    }),
  ),
  // Production never makes up the custodians' secrets: two people bring them (embedded: two files of the data directory).
  Config.flatMap((settings) => {
    const missing = settings.databaseUrl === undefined ? -1 : settings.caCustodians.indexOf(undefined);
    return missing < 0
      ? Config.succeed(settings)
      : Config.fail(refusal(`COMEDEC_CA_CUSTODIAN_${missing + 1}`, "required with DATABASE_URL: production never generates the CA custodians' secrets"));
  }),
);

/** The reverse proxies in front of the API: how many (0: none, the socket's peer is the client), or their addresses. */
export type TrustedProxies = number | ReadonlyArray<string>;

/**
 * The reverse proxies whose `X-Forwarded-For` the rate limits believe (`COMEDEC_TRUST_PROXY`, 0):
 * a count of proxies in front of the API (`1`: one proxy), or their addresses separated by commas.
 * The client is the rightmost hop that is not a trusted proxy.
 */
export const trustProxy: Config.Config<TrustedProxies> = text(
  "COMEDEC_TRUST_PROXY",
  "a number of proxies from 0 to 10, or their IP addresses separated by commas, expected",
  (value) => (/^[0-9]+$/.test(value) ? Number(value) <= 10 : value.split(",").every((entry) => isIP(entry.trim()) !== 0)),
).pipe(
  Config.map((value): TrustedProxies => (/^[0-9]+$/.test(value) ? Number(value) : value.split(",").map((entry) => entry.trim()))),
  Config.withDefault(0),
);

/** Whether the API on PostgreSQL runs the jobs as well (`COMEDEC_WORKER=in-process`); embedded mode always does. */
export const inProcessWorker: Config.Config<boolean> = text("COMEDEC_WORKER", "in-process expected, or nothing", (value) => value === "in-process").pipe(
  Config.map(() => true),
  Config.withDefault(false),
);

/** How many jobs a worker runs at once (`COMEDEC_WORKER_CONCURRENCY`, a whole number from 1 to 1000), `byDefault` when unset. */
export const workerConcurrency = (byDefault: number): Config.Config<number> =>
  text(
    "COMEDEC_WORKER_CONCURRENCY",
    "a whole number from 1 to 1000 expected",
    (value) => /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 1000,
  ).pipe(Config.map(Number), Config.withDefault(byDefault));

/** Where notifications are mailed: SMTP when `smtpUrl` is set, else the platform's mailbox only. */
export interface Mail {
  /** `COMEDEC_SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`), a secret since it may carry a password. */
  readonly smtpUrl: Redacted.Redacted<string> | undefined;
  /** `COMEDEC_MAIL_FROM`, the sender of every message. */
  readonly from: string;
}

/** The mail configuration (`COMEDEC_SMTP_URL`, `COMEDEC_MAIL_FROM`). */
export const mail: Config.Config<Mail> = Config.all({
  smtpUrl: text("COMEDEC_SMTP_URL", "an smtp:// or smtps:// URL expected", (value) => URL.canParse(value) && /^smtps?:$/.test(new URL(value).protocol)).pipe(
    Config.map((value) => Redacted.make(value, { label: "COMEDEC_SMTP_URL" })),
    Config.withDefault(undefined),
  ),
  from: text("COMEDEC_MAIL_FROM", "an e-mail address expected, as address@domain or Name <address@domain>", (value) =>
    /^([^<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(value.trim()),
  ).pipe(Config.withDefault("COMEDEC <ne-pas-repondre@comedec.invalid>")),
});

/** The OpenTelemetry samplers `OTEL_TRACES_SAMPLER` names (those of the specification the SDK has built in). */
export const samplers = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"] as const;

/** How traces are exported when they are (an OTLP collector over HTTP). */
export interface Tracing {
  /** Where spans are sent: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces`. */
  readonly endpoint: string;
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (the default) or `http/json`. */
  readonly protocol: "http/protobuf" | "http/json";
  /** `OTEL_SERVICE_NAME`, or the app's own name. */
  readonly serviceName: string;
  /** `OTEL_TRACES_SAMPLER` (`parentbased_always_on`) and, for the ratio samplers, `OTEL_TRACES_SAMPLER_ARG` (1). */
  readonly sampler: { readonly name: (typeof samplers)[number]; readonly ratio: number };
}

const otlpUrl = (name: string): Config.Config<string | undefined> =>
  text(name, "an http:// or https:// URL expected", (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)).pipe(
    Config.withDefault(undefined),
  );

const otlpProtocol = (name: string): Config.Config<"http/protobuf" | "http/json" | undefined> =>
  text(name, "http/protobuf or http/json expected (no gRPC exporter is built in)", (value) => value === "http/protobuf" || value === "http/json").pipe(
    Config.map((value) => value as "http/protobuf" | "http/json"),
    Config.withDefault(undefined),
  );

/**
 * The traces (the standard `OTEL_*` variables): off — `undefined`, nothing installed — unless an
 * OTLP endpoint is given (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`) or
 * `OTEL_TRACES_EXPORTER=otlp` asks for the specification's default collector
 * (`http://localhost:4318`); off whatever else is set with `OTEL_TRACES_EXPORTER=none` or
 * `OTEL_SDK_DISABLED=true`. Every value read here is checked, also when tracing stays off.
 */
export const tracing = (serviceName: string): Config.Config<Tracing | undefined> =>
  Config.all({
    disabled: text("OTEL_SDK_DISABLED", "true or false expected", (value) => /^(true|false)$/i.test(value)).pipe(
      Config.map((value) => value.toLowerCase() === "true"),
      Config.withDefault(false),
    ),
    exporter: text("OTEL_TRACES_EXPORTER", "otlp or none expected", (value) => value === "otlp" || value === "none").pipe(Config.withDefault(undefined)),
    tracesEndpoint: otlpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    endpoint: otlpUrl("OTEL_EXPORTER_OTLP_ENDPOINT"),
    tracesProtocol: otlpProtocol("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
    protocol: otlpProtocol("OTEL_EXPORTER_OTLP_PROTOCOL"),
    serviceName: text("OTEL_SERVICE_NAME", "a service name of 1 to 255 characters expected", (value) => value.trim().length >= 1 && value.length <= 255).pipe(
      Config.withDefault(serviceName),
    ),
    sampler: text("OTEL_TRACES_SAMPLER", `one of ${samplers.join(", ")} expected`, (value) => (samplers as ReadonlyArray<string>).includes(value)).pipe(
      Config.map((value) => value as (typeof samplers)[number]),
      Config.withDefault("parentbased_always_on" as const),
    ),
    ratio: text("OTEL_TRACES_SAMPLER_ARG", "a ratio from 0 to 1 expected", (value) => /^(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)$/.test(value)).pipe(
      Config.map(Number),
      Config.withDefault(1),
    ),
  }).pipe(
    Config.map((read): Tracing | undefined => {
      if (read.disabled || read.exporter === "none") return undefined;
      const endpoint =
        read.tracesEndpoint ??
        (read.endpoint === undefined
          ? read.exporter === "otlp"
            ? "http://localhost:4318/v1/traces"
            : undefined
          : `${read.endpoint.replace(/\/+$/, "")}/v1/traces`);
      if (endpoint === undefined) return undefined;
      return {
        endpoint,
        protocol: read.tracesProtocol ?? read.protocol ?? "http/protobuf",
        serviceName: read.serviceName,
        sampler: { name: read.sampler, ratio: read.ratio },
      };
    }),
  );

/** A refusal of `variable`'s value, as `Config` reports one. */
const refusal = (variable: string, message: string): Schema.SchemaError =>
  new Schema.SchemaError(new SchemaIssue.Pointer([variable], new SchemaIssue.InvalidValue({ message })));

/** The one line telling which variable is refused and why, never its value (it may be a secret). */
export const describe = (error: Config.ConfigError): string => {
  if (error.cause._tag !== "SchemaError") return error.cause.message;
  // The default leaf messages repeat the value ("got …"): these do not.
  const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
    leafHook: (issue) => {
      const message = issue._tag === "InvalidValue" ? issue.annotations?.message : undefined;
      return typeof message === "string" ? message : issue._tag === "MissingKey" ? "missing" : "refused";
    },
  });
  const [first] = formatter(error.cause.issue).issues;
  if (first === undefined) return "refused";
  const variable = first.path?.map(String).join("_");
  return variable ? `${variable}: ${first.message}` : first.message;
};

/** Reads `config` from `provider`: the value, or the line that says which variable is refused. */
export const read = <A>(config: Config.Config<A>, provider: ConfigProvider.ConfigProvider = ConfigProvider.fromEnv()): Exit.Exit<A, string> =>
  Effect.runSyncExit(config.parse(provider).pipe(Effect.mapError(describe)));

/** Reads `config` from the environment, once at start; refused, the process says why on one line of stderr and exits 78. */
export const load = <A>(config: Config.Config<A>, provider?: ConfigProvider.ConfigProvider): A => {
  const exit = read(config, provider);
  if (Exit.isSuccess(exit)) return exit.value;
  const reason = Exit.findErrorOption(exit);
  console.error(reason._tag === "Some" ? reason.value : "the configuration could not be read");
  process.exit(exitCode);
};
