/**
 * A database of the benchmark's own on the PostgreSQL server, created fresh and dropped at the end,
 * so a run never sees another run's rows (nor a developer's).
 */
import pg from "pg";

/** The server to benchmark against: BENCH_DATABASE_URL, else DATABASE_URL, else the local one. */
export const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const onAdmin = async (statement: string) => {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
};

/** Creates a fresh database (named by the process and a suffix, so one run can have several) and returns its URL and how to drop it. */
export const fresh = async (suffix = "main"): Promise<{ readonly url: string; readonly drop: () => Promise<void> }> => {
  const name = `comedec_bench_${process.pid}_${suffix}`;
  await onAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await onAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
};
