/**
 * The adapter's edge: `pg` failures classified once — a connection refused, dropped or timed out,
 * the server shutting down, a statement over its timeout become `DatabaseUnavailable`; a failure
 * of the statement itself (a constraint, a syntax error) and a bug of the caller pass as they were.
 * And the layer on a server that refuses, or accepts and never answers, fails with
 * `DatabaseUnavailable` within its connection timeout instead of hanging.
 */
import { Availability } from "@comedec/actor";
import { assert, describe, it } from "@effect/vitest";
import { type Cause, Effect, Exit, Layer } from "effect";
import { createServer, type Socket } from "node:net";
import pg from "pg";
import { classify } from "../src/internal/Database.js";
import { Persistence } from "../src/index.js";

const serverError = (code: string) => Object.assign(new pg.DatabaseError("from the server", 0, "error"), { code });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: "connect" });

const unavailableIn = (cause: Cause.Cause<unknown>) =>
  cause.reasons.some((reason) => Availability.isDatabaseUnavailable(reason._tag === "Die" ? reason.defect : reason._tag === "Fail" ? reason.error : undefined));

describe("pg failures, classified at the adapter's edge", () => {
  it("makes the server's absence DatabaseUnavailable", () => {
    for (const error of [
      serverError("57P01"),
      serverError("57P03"),
      serverError("08006"),
      serverError("53300"),
      serverError("57014"),
      systemError("ECONNREFUSED"),
      systemError("ECONNRESET"),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
    ]) {
      assert.isTrue(Availability.isDatabaseUnavailable(classify(error)), String(error));
    }
  });

  it("passes a failure of the statement, or of the caller, as it was", () => {
    for (const error of [serverError("23505"), serverError("42601"), serverError("40001"), new TypeError("Converting circular structure to JSON")]) {
      assert.strictEqual(classify(error), error);
    }
  });

  it.effect("fails the layer with DatabaseUnavailable on a server that refuses", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Layer.build(Persistence.postgres({ connectionString: "postgresql://postgres@127.0.0.1:1/postgres", secretKey: Buffer.alloc(32) })).pipe(Effect.scoped),
      );
      assert.isTrue(Exit.isFailure(exit) && unavailableIn(exit.cause));
    }),
  );

  it.effect("fails the layer with DatabaseUnavailable within the connection timeout on a server that never answers", () =>
    Effect.gen(function* () {
      const sockets: Array<Socket> = [];
      const silent = createServer((socket) => sockets.push(socket));
      const port = yield* Effect.promise(
        () => new Promise<number>((resolve) => silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port))),
      );
      const started = Date.now();
      const exit = yield* Effect.exit(
        Layer.build(
          Persistence.postgres({
            connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
            secretKey: Buffer.alloc(32),
            connectionTimeoutMillis: 300,
          }),
        ).pipe(Effect.scoped),
      );
      for (const socket of sockets) socket.destroy();
      yield* Effect.promise(() => new Promise((resolve) => silent.close(resolve)));
      assert.isTrue(Exit.isFailure(exit) && unavailableIn(exit.cause));
      assert.isBelow(Date.now() - started, 5_000);
    }),
  );
});
