/**
 * For contract suites, here and in integrators' code: the adapters every suite runs against: PGlite always, PostgreSQL when DATABASE_URL is
 * set (CI sets it). Each PostgreSQL run gets a database of its own, dropped afterwards.
 */
import { Effect, Layer } from "effect";
import pg from "pg";
import * as Persistence from "./Persistence.js";

const freshPostgres = (url: string) =>
  Layer.unwrap(
    Effect.acquireRelease(
      Effect.promise(async () => {
        const name = `comedec_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const target = new URL(url);
        target.pathname = `/${name}`;
        return { name, connectionString: target.toString() };
      }),
      ({ name }) =>
        Effect.promise(async () => {
          const admin = new pg.Client({ connectionString: url });
          await admin.connect();
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await admin.end();
        }),
    ).pipe(Effect.map(({ connectionString }) => Persistence.postgres({ connectionString }))),
  );

/** The adapters to run a suite against, by name. */
export const adapters: ReadonlyArray<{ readonly name: string; readonly layer: () => Layer.Layer<Persistence.Ports> }> = [
  { name: "pglite", layer: () => Persistence.pglite() },
  ...(process.env.DATABASE_URL ? [{ name: "postgres", layer: () => freshPostgres(process.env.DATABASE_URL as string) }] : []),
];
