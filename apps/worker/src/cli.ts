#!/usr/bin/env node
/**
 * The operator's view of the jobs that failed every attempt, and their replay:
 *   comedec-worker dead-letters       lists them (id, task, attempts, last error)
 *   comedec-worker replay ID [ID…]    runs them again now, attempts counted afresh
 */
import { Redacted } from "effect";
import { makeWorkerUtils } from "graphile-worker";
import * as Platform from "@comedec/platform";
import * as Worker from "./Worker.js";

const config = Platform.Configuration.load(Platform.Configuration.platform);
// Embedded mode: the jobs live in the running platform's database, reached through its socket.
const connectionString = config.databaseUrl === undefined ? await Platform.runningEmbeddedServer(config.dataDir) : Redacted.value(config.databaseUrl);
if (connectionString === undefined) {
  console.error("DATABASE_URL is required, or the embedded platform running (npm start): the jobs live in its database");
  process.exit(64);
}
const [command, ...ids] = process.argv.slice(2);
const utils = await makeWorkerUtils({ connectionString, noPreparedStatements: true });
try {
  if (command === "dead-letters") {
    for (const letter of await Worker.deadLetters(utils)) {
      console.log([letter.id, letter.task, letter.attempts, (letter.lastError ?? "").split("\n")[0]].join("\t"));
    }
  } else if (command === "replay" && ids.length > 0) {
    const replayed = await Worker.replay(utils, ids);
    console.error(`${replayed.length} job(s) scheduled again: ${replayed.join(" ")}`);
  } else {
    console.error("usage: comedec-worker dead-letters | replay ID [ID…]");
    process.exitCode = 64;
  }
} finally {
  await utils.release();
}
