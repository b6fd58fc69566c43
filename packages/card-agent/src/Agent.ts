/**
 * Starts a card agent: fetches the platform's key (`GET /card-agent/key`), makes its sealing key,
 * opens the smart-card driver, and serves the local interface on 127.0.0.1 — and nowhere else: an
 * agent reachable from the network would offer the card to anyone on it. The command line, the
 * connection test and the embedded platform start it through here.
 */
import type { SmartCards } from "@comedec/card";
import { Contract } from "@comedec/http-contract";
import { serve } from "@hono/node-server";
import { type Layer, ManagedRuntime, Schema } from "effect";
import type { AddressInfo } from "node:net";
import * as Journal from "./Journal.js";
import * as LocalInterface from "./LocalInterface.js";
import { PlatformUnavailable } from "./Refusals.js";
import * as Sealing from "./Sealing.js";
import * as Statements from "./Statements.js";

/** The only address the agent listens on. */
export const loopback = "127.0.0.1";
/** The port by default. */
export const defaultPort = 7300;

/** How an agent is started. */
export interface Options {
  /** The platform's URL, e.g. `https://comedec.example.gouv.fr`. */
  readonly platform: string;
  /** The console's origin, exactly. */
  readonly consoleOrigin: string;
  /** The smart-card driver (`Simulator.layer`, `Pkcs11.layer`). */
  readonly cards: Layer.Layer<SmartCards, unknown>;
  /** 0 for any free port; 7300 by default. */
  readonly port?: number;
  /** Only `127.0.0.1` is accepted: anything else is refused. */
  readonly hostname?: string;
  /** Where the journal of generated keys is kept; in memory when absent. */
  readonly stateDirectory?: string;
  /** The fetch the platform's key is read with (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch;
}

/** A running agent. */
export interface Running {
  readonly url: string;
  readonly port: number;
  readonly close: () => Promise<void>;
}

const decodeKey = Schema.decodeUnknownSync(Contract.CardAgent.AgentKey);

/** The platform's key for statements to agents. */
export const fetchPlatformKey = async (platform: string, fetch: typeof globalThis.fetch = globalThis.fetch): Promise<Statements.PlatformKey> => {
  const url = new URL(Contract.CardAgent.key.path.replace(/^\//, ""), platform.endsWith("/") ? platform : `${platform}/`);
  try {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return decodeKey(await response.json());
  } catch (error) {
    throw new PlatformUnavailable({ reason: error instanceof Error ? error.message : String(error) });
  }
};

/** Refuses an address other than 127.0.0.1, and an origin that is not one. */
const checkOptions = (options: Options) => {
  const hostname = options.hostname ?? loopback;
  if (hostname !== loopback) throw new Error(`the card agent listens on ${loopback} only, not on ${hostname}`);
  const origin = new URL(options.consoleOrigin);
  if (origin.origin !== options.consoleOrigin) throw new Error(`--console-origin is an origin (scheme://host[:port]), e.g. ${origin.origin}`);
};

/** Starts an agent; it runs until `close`. */
export const start = async (options: Options): Promise<Running> => {
  checkOptions(options);
  let checker = Statements.checker(await fetchPlatformKey(options.platform, options.fetch));
  let lastRefresh = 0;
  const runtime = ManagedRuntime.make(options.cards);
  await runtime.runPromise(runtime.contextEffect);
  const requestedPort = options.port ?? defaultPort;
  let app: ReturnType<typeof LocalInterface.make> | undefined;
  const server = serve({ fetch: (request: Request) => (app as NonNullable<typeof app>).fetch(request), hostname: loopback, port: requestedPort });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  // The page's browser reuses its connection to the agent; Node's 5 s idle close could race a
  // request sent at that instant (as the platform's server, which keeps them 65 s too).
  (server as { keepAliveTimeout: number }).keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  app = LocalInterface.make({
    consoleOrigin: options.consoleOrigin,
    port,
    statements: () => checker,
    // At most once a minute: a page cannot make the agent hammer the platform.
    refreshKey: async () => {
      if (Date.now() - lastRefresh < 60_000) return;
      lastRefresh = Date.now();
      checker = Statements.checker(await fetchPlatformKey(options.platform, options.fetch));
    },
    sealing: Sealing.make(),
    journal: Journal.make(options.stateDirectory),
    runtime,
  });
  return {
    url: `http://${loopback}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.dispose();
    },
  };
};
