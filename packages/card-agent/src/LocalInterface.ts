/**
 * The agent's local interface for the web console (ADR 0016): HTTP served on 127.0.0.1 only, to
 * one origin. Every request is checked in this order, and a refusal carries no CORS header, so a
 * page of another origin reads nothing:
 * 1. `Host` is the agent's own (`127.0.0.1:<port>` or `localhost:<port>`): a rebinding host name
 *    resolved to 127.0.0.1 is refused;
 * 2. `Origin` is exactly the configured console's (no wildcard); a preflight is answered for it only;
 * 3. `Comedec-Pairing` holds a pairing the platform signed for that origin, still valid;
 * 4. each card operation's body holds a ticket the platform signed for the pairing's session, for
 *    that operation (and card), unused: it is used up as it is accepted.
 * PINs arrive in the bodies from the console page on this machine and go to the card only; an
 * unblock secret arrives sealed for this agent inside its ticket.
 */
import { Problem } from "@comedec/actor";
import type { SmartCards } from "@comedec/card";
import { type Contract, Problems } from "@comedec/http-contract";
import { Effect, Exit, type ManagedRuntime, Schema } from "effect";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Context } from "hono";
import { createHash } from "node:crypto";
import * as CardOperations from "./CardOperations.js";
import type * as Journal from "./Journal.js";
import { HostRefused, OriginRefused, PairingMissing, TicketInvalid } from "./Refusals.js";
import type * as Sealing from "./Sealing.js";
import type * as Statements from "./Statements.js";

/** What the interface needs. */
export interface Options {
  /** The console's origin, exactly (`https://comedec.example.gouv.fr`). */
  readonly consoleOrigin: string;
  /** The port it is served on: the only `Host` values accepted name it. */
  readonly port: number;
  /** The checker of the platform's current key; `refresh` fetches the key again (it may have been rotated). */
  readonly statements: () => Statements.Checker;
  readonly refreshKey: () => Promise<void>;
  readonly sealing: Sealing.SealingKey;
  readonly journal: Journal.Journal;
  /** Runs the card operations on the smart-card driver. */
  readonly runtime: ManagedRuntime.ManagedRuntime<SmartCards, unknown>;
  /** The current time (tests). */
  readonly now?: () => number;
}

/** The largest body the interface reads. */
export const maximumBodyBytes = 128 * 1024;

/** The header that carries the pairing. */
export const pairingHeader = "comedec-pairing";

const problemBody = (error: { readonly _tag: string }) => {
  const definition = Problem.ofError(error) ?? (Problem.ofError(new Problems.InternalError()) as Problem.Definition);
  const { _tag, stack, message, ...fields } = { ...error } as Record<string, unknown> & { _tag: string };
  const detail = Problem.detailOf(definition, fields);
  return {
    type: `urn:comedec:problem:${definition.code}`,
    ...fields,
    status: definition.status,
    code: definition.code,
    title: definition.title,
    ...(detail === undefined ? {} : { detail }),
  };
};

const problem = (error: { readonly _tag: string }, headers: Readonly<Record<string, string>> = {}) => {
  const body = problemBody(error);
  return new Response(JSON.stringify(body), { status: body.status, headers: { "content-type": "application/problem+json", ...headers } });
};

const Base64 = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/_-]*={0,2}$/, { message: "not base64" }), Schema.isMaxLength(65_536));
const Pin = Schema.String.check(Schema.isMaxLength(64));
const Serial = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64));
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** The bodies of the card operations. */
const bodies = {
  cards: Schema.Struct({ ticket: Schema.String }),
  /** `finalTry`: the holder, warned that one try is left (`pin-final-try`), confirms it: a wrong PIN then blocks the card. */
  login: Schema.Struct({ ticket: Schema.String, pin: Pin, card: Schema.optionalKey(Serial), finalTry: Schema.optionalKey(Schema.Boolean) }),
  sign: Schema.Struct({ ticket: Schema.String, data: Base64, pin: Schema.optionalKey(Pin) }),
  pin: Schema.Struct({ ticket: Schema.String, pin: Pin, newPin: Pin }),
  keys: Schema.Struct({ ticket: Schema.String, pin: Pin }),
  certificates: Schema.Struct({ ticket: Schema.String, pin: Pin }),
  unblock: Schema.Struct({ ticket: Schema.String, newPin: Pin }),
} as const;

/** The local interface's app. */
export const make = (options: Options): Hono => {
  const now = options.now ?? Date.now;
  const hosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`]);
  const cors = { "access-control-allow-origin": options.consoleOrigin, vary: "Origin" };
  const app = new Hono();

  app.use("*", async (context, next) => {
    const host = context.req.header("host") ?? "";
    if (!hosts.has(host)) return problem(new HostRefused({ host }));
    const origin = context.req.header("origin") ?? "";
    if (origin !== options.consoleOrigin) return problem(new OriginRefused({ origin }));
    if (context.req.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": "POST",
          "access-control-allow-headers": `content-type, ${pairingHeader}`,
          "access-control-max-age": "600",
          // Chrome's Private Network Access asks a public page's preflight to a loopback address for this.
          ...(context.req.header("access-control-request-private-network") === "true" ? { "access-control-allow-private-network": "true" } : {}),
        },
      });
    }
    await next();
    for (const [name, value] of Object.entries(cors)) context.res.headers.set(name, value);
  });
  // Data to sign and certificates are small; nothing larger is read.
  app.use("*", bodyLimit({ maxSize: maximumBodyBytes, onError: () => problem(new Problems.BodyTooLarge({ limit: maximumBodyBytes })) }));

  /** The pairing of the request, checked; fetches the platform's key again once when the pairing names another. */
  const pairingOf = async (context: Context): Promise<Statements.Pairing | Response> => {
    const statement = context.req.header(pairingHeader);
    if (statement === undefined || statement === "") return problem(new PairingMissing());
    let exit = await Effect.runPromiseExit(options.statements().pairing(statement, options.consoleOrigin, now()));
    if (Exit.isFailure(exit) && !keyIdMatches(statement, options.statements().keyId)) {
      await options.refreshKey().catch(() => undefined);
      exit = await Effect.runPromiseExit(options.statements().pairing(statement, options.consoleOrigin, now()));
    }
    return Exit.isSuccess(exit) ? exit.value : problem(failureOf(exit.cause) ?? new Problems.InternalError());
  };

  const reply = async <A>(effect: Effect.Effect<A, { readonly _tag: string }, SmartCards>, status: 200 | 201 = 200) => {
    const exit = await options.runtime.runPromiseExit(effect);
    if (Exit.isSuccess(exit)) return Response.json(exit.value, { status });
    const failure = failureOf(exit.cause);
    if (failure === undefined) console.error(exit.cause);
    return problem(failure ?? new Problems.InternalError());
  };

  app.post("/v1/pairing", async (context) => {
    const pairing = await pairingOf(context);
    if (pairing instanceof Response) return pairing;
    return Response.json({
      session: pairing.session,
      expiresAt: pairing.expiresAt,
      sealingKey: { keyId: options.sealing.keyId, publicKey: options.sealing.publicKey },
    });
  });

  /** A card operation: its body decoded, its ticket checked for the pairing's session and used up, then `run`. */
  const operation = <S extends Schema.Top & { readonly Type: { readonly ticket: string } }, A>(
    path: string,
    name: typeof Contract.CardAgent.Operation.Type,
    body: S,
    run: (ticket: Statements.Ticket, body: S["Type"], pairing: Statements.Pairing) => Effect.Effect<A, { readonly _tag: string }, SmartCards>,
  ) =>
    app.post(path, async (context) => {
      const pairing = await pairingOf(context);
      if (pairing instanceof Response) return pairing;
      const json = await context.req.json().catch(() => undefined);
      if (json === undefined) return problem(new Problems.MalformedJson());
      const decoded = Schema.decodeUnknownExit(body as unknown as Schema.Codec<S["Type"], unknown>)(json);
      if (Exit.isFailure(decoded)) return problem(new Problems.InvalidRequest({ reason: messageOf(failureOf(decoded.cause)) }));
      const request = decoded.value;
      return reply(Effect.flatMap(options.statements().ticket(request.ticket, pairing, name, now()), (ticket) => run(ticket, request, pairing)));
    });

  /** The card a ticket names, which the operation must be on. */
  const ticketCard = (ticket: Statements.Ticket) =>
    ticket.card === undefined ? Effect.fail(new TicketInvalid({ reason: `a ${ticket.operation} ticket names its card` })) : Effect.succeed(ticket.card);

  operation("/v1/cards", "list-cards", bodies.cards, () => Effect.map(CardOperations.listCards, (cards) => ({ cards })));

  operation("/v1/login", "login", bodies.login, (ticket, body) =>
    Effect.gen(function* () {
      if (ticket.toSign === undefined) return yield* new TicketInvalid({ reason: "a login ticket carries its challenge" });
      if (ticket.card !== undefined && body.card !== undefined && ticket.card !== body.card)
        return yield* new TicketInvalid({ reason: "a ticket for another card" });
      const serial = yield* CardOperations.chooseCard(ticket.card ?? body.card);
      const signed = yield* CardOperations.signChallenge({ serial, pin: body.pin, text: ticket.toSign, finalTry: body.finalTry === true });
      return { card: serial, signature: base64(signed.signature), certificate: base64(signed.certificate) };
    }),
  );

  operation("/v1/sign", "sign", bodies.sign, (ticket, body) =>
    Effect.gen(function* () {
      const serial = yield* ticketCard(ticket);
      const data = new Uint8Array(Buffer.from(body.data, "base64"));
      if (ticket.dataDigest === undefined || createHash("sha256").update(data).digest("base64url") !== ticket.dataDigest) {
        return yield* new TicketInvalid({ reason: "the data is not the data the ticket was issued for" });
      }
      return { signature: base64(yield* CardOperations.signData({ serial, data, pin: body.pin })) };
    }),
  );

  operation("/v1/pin", "change-pin", bodies.pin, (ticket, body) =>
    Effect.flatMap(ticketCard(ticket), (serial) => Effect.as(CardOperations.changePin({ serial, pin: body.pin, newPin: body.newPin }), { changed: true })),
  );

  operation("/v1/keys", "prepare-keys", bodies.keys, (ticket, body) =>
    Effect.gen(function* () {
      const serial = yield* ticketCard(ticket);
      if (ticket.keyOperation === undefined || ticket.algorithm === undefined) {
        return yield* new TicketInvalid({ reason: "a prepare-keys ticket names its operation and algorithm" });
      }
      const subjects =
        ticket.subjects === undefined
          ? undefined
          : {
              authentication: new Uint8Array(Buffer.from(ticket.subjects.authentication, "base64url")),
              signature: new Uint8Array(Buffer.from(ticket.subjects.signature, "base64url")),
            };
      const prepared = yield* CardOperations.prepareKeys(
        { serial, pin: body.pin, operation: ticket.keyOperation, algorithm: ticket.algorithm, subjects },
        options.journal,
      );
      const out = (key: CardOperations.PreparedKey) => ({ publicKey: base64(key.publicKey), csr: base64(key.csr) });
      return { card: serial, reused: prepared.reused, authentication: out(prepared.authentication), signature: out(prepared.signature) };
    }),
  );

  operation("/v1/certificates", "write-certificates", bodies.certificates, (ticket, body) =>
    Effect.gen(function* () {
      const serial = yield* ticketCard(ticket);
      const certificates = ticket.certificates;
      if (certificates === undefined) return yield* new TicketInvalid({ reason: "a write-certificates ticket carries the certificates" });
      yield* CardOperations.writeCertificates({
        serial,
        pin: body.pin,
        certificates: {
          authentication: new Uint8Array(Buffer.from(certificates.authentication, "base64url")),
          signature: new Uint8Array(Buffer.from(certificates.signature, "base64url")),
        },
      });
      return { written: true };
    }),
  );

  operation("/v1/unblock", "unblock", bodies.unblock, (ticket, body, pairing) =>
    Effect.gen(function* () {
      const serial = yield* ticketCard(ticket);
      if (ticket.sealedSecret === undefined) return yield* new TicketInvalid({ reason: "an unblock ticket carries the sealed unblock secret" });
      const secret = yield* options.sealing.open(ticket.sealedSecret, { session: pairing.session, card: serial });
      yield* CardOperations.unblock({ serial, secret, newPin: body.newPin });
      return { unblocked: true };
    }),
  );

  app.notFound(() => problem(new Problems.RouteNotFound()));
  app.onError((error) => {
    console.error(error);
    return problem(new Problems.InternalError());
  });
  return app;
};

/** Whether a statement names this key (without checking it): a pairing of another key sends the agent for the platform's new one. */
const keyIdMatches = (statement: string, keyId: string): boolean => {
  try {
    return (JSON.parse(Buffer.from(statement.split(".")[0] ?? "", "base64url").toString("utf8")) as { keyId?: unknown }).keyId === keyId;
  } catch {
    return false;
  }
};

/** The expected failure of a cause, when there is one. */
const failureOf = (cause: import("effect").Cause.Cause<unknown>): { readonly _tag: string } | undefined => {
  for (const reason of cause.reasons) if (reason._tag === "Fail") return reason.error as { readonly _tag: string };
  return undefined;
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : "the body does not validate");
