#!/usr/bin/env node
/**
 * The operator's view of the jobs that failed every attempt, and their replay:
 *   comedec-worker dead-letters       lists them (id, task, attempts, last error)
 *   comedec-worker replay ID [ID…]    runs them again now, attempts counted afresh
 * `--help` prints the usage and exits 0; an unknown option or command gets one line and exit 64,
 * never a stack trace, before any database is reached.
 */
import { Redacted } from "effect";
import { makeWorkerUtils } from "graphile-worker";
import { parseArgs } from "node:util";
import * as Platform from "@comedec/platform";
import * as Worker from "./Worker.js";

const usage = `usage:
  comedec-worker dead-letters       the jobs that failed every attempt (id, task, attempts, last error)
  comedec-worker replay ID [ID…]    runs them again now, attempts counted afresh
  comedec-worker --help`;

/** One line on stderr and exit 64: a wrong usage never shows a stack trace. */
const wrongUsage = (message: string): never => {
  console.error(`comedec-worker: ${message} (--help for the usage)`);
  return process.exit(64);
};
const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, strict: true, options: { help: { type: "boolean", short: "h" } } });
  } catch (error) {
    return wrongUsage(error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error));
  }
})();
if (values.help === true) {
  console.log(usage);
  process.exit(0);
}
const [command, ...ids] = positionals;
if (command !== "dead-letters" && !(command === "replay" && ids.length > 0)) {
  wrongUsage(command === undefined ? "no command given" : command === "replay" ? "replay needs the ids of the jobs" : `unknown command: ${command}`);
}

const config = Platform.Configuration.load(Platform.Configuration.platform);
// Embedded mode: the jobs live in the running platform's database, reached through its socket.
const connectionString = config.databaseUrl === undefined ? await Platform.runningEmbeddedServer(config.dataDir) : Redacted.value(config.databaseUrl);
if (connectionString === undefined) {
  console.error("DATABASE_URL is required, or the embedded platform running (npm start): the jobs live in its database");
  process.exit(64);
}
const utils = await makeWorkerUtils({ connectionString, noPreparedStatements: true });
try {
  if (command === "dead-letters") {
    for (const letter of await Worker.deadLetters(utils)) {
      console.log([letter.id, letter.task, letter.attempts, (letter.lastError ?? "").split("\n")[0]].join("\t"));
    }
  } else if (command === "replay" && ids.length > 0) {
    const replayed = await Worker.replay(utils, ids);
    console.error(`${replayed.length} job(s) scheduled again: ${replayed.join(" ")}`);
  }
} finally {
  await utils.release();
}
