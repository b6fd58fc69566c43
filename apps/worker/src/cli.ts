#!/usr/bin/env node
/**
 * The operator's view of the jobs that failed every attempt, and their replay:
 *   comedec-worker dead-letters       lists them (id, task, attempts, last error)
 *   comedec-worker replay ID [ID…]    runs them again now, attempts counted afresh
 */
import { makeWorkerUtils } from "graphile-worker";
import * as Worker from "./Worker.js";

const connectionString = process.env.DATABASE_URL;
if (connectionString === undefined) {
  console.error("DATABASE_URL is required (the jobs live in PostgreSQL)");
  process.exit(64);
}
const [command, ...ids] = process.argv.slice(2);
const utils = await makeWorkerUtils({ connectionString });
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
