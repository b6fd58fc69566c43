#!/usr/bin/env node
/**
 * comedec-card-agent — the card agent on the agent's workstation:
 *
 *   comedec-card-agent --platform URL --console-origin ORIGIN (--simulator DIR | --pkcs11 LIBRARY) [--port 7300] [--state DIR]
 *   comedec-card-agent cards (--simulator DIR | --pkcs11 LIBRARY)
 *   comedec-card-agent change-pin --card SERIAL (--simulator DIR | --pkcs11 LIBRARY)
 *
 * The first serves the console on 127.0.0.1 only (`--host` accepts nothing else) and prints one
 * line once it listens. `cards` and `change-pin` act on the card in the reader without the
 * platform: the holder at their own desk. PINs are typed in the terminal without echo (or given in
 * COMEDEC_PIN and COMEDEC_NEW_PIN when there is no terminal), never on the command line.
 * Exit status: 0 done, 2 refused or failed (one line saying why), 64 wrong usage; `--help` prints
 * the usage. `@comedec/smartcard-pkcs11` (and its native `pkcs11js` build) is an optional peer,
 * loaded only for --pkcs11.
 */
import type { SmartCards } from "@comedec/card";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, Layer } from "effect";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import * as Agent from "./Agent.js";
import * as CardOperations from "./CardOperations.js";

const usage =
  "usage: comedec-card-agent --platform URL --console-origin ORIGIN (--simulator DIR | --pkcs11 LIBRARY) [--port 7300] [--state DIR]\n" +
  "       comedec-card-agent cards (--simulator DIR | --pkcs11 LIBRARY)\n" +
  "       comedec-card-agent change-pin --card SERIAL (--simulator DIR | --pkcs11 LIBRARY)\n" +
  "       PINs typed when asked (COMEDEC_PIN, COMEDEC_NEW_PIN without a terminal)";

const options = {
  platform: { type: "string" },
  "console-origin": { type: "string" },
  simulator: { type: "string" },
  pkcs11: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  state: { type: "string" },
  card: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const wrongUsage = (line: string): never => {
  console.error(`comedec-card-agent: ${line} (--help for the usage)`);
  return process.exit(64);
};

/** The options, or one line and exit 64 for an option this command does not know (no stack trace). */
const { values, positionals } = (() => {
  try {
    return parseArgs({ options, strict: true, allowPositionals: true });
  } catch (error) {
    // Node adds advice on positionals after the first sentence: the first sentence is enough.
    return wrongUsage(error instanceof Error ? (error.message.split("\n")[0] ?? "").replace(/\. To specify a positional.*$/, "") : String(error));
  }
})();
if (values.help === true) {
  console.log(usage);
  process.exit(0);
}
const command = positionals[0] ?? "serve";
if (positionals.length > 1 || !["serve", "cards", "change-pin"].includes(command)) wrongUsage(`unknown command ${positionals.join(" ")}`);
if ((values.simulator === undefined) === (values.pkcs11 === undefined)) wrongUsage("one card driver: --simulator DIR or --pkcs11 LIBRARY");
if (values.host !== undefined && values.host !== Agent.loopback) wrongUsage(`the card agent listens on ${Agent.loopback} only, not on ${values.host}`);
const port = values.port === undefined ? Agent.defaultPort : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) wrongUsage(`--port ${values.port} is not a port`);
if (command === "serve" && (values.platform === undefined || values["console-origin"] === undefined))
  wrongUsage("serving needs --platform and --console-origin");
if (command === "change-pin" && values.card === undefined) wrongUsage("change-pin needs --card SERIAL");

/** The PKCS#11 driver, an optional peer: loaded only here, with a clear message when it is not installed. */
const pkcs11Layer = async (library: string): Promise<Layer.Layer<SmartCards>> => {
  try {
    const { Pkcs11 } = await import("@comedec/smartcard-pkcs11");
    return Layer.orDie(Pkcs11.layer({ library }));
  } catch (error) {
    const code = (error as { readonly code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    console.error("--pkcs11 needs the PKCS#11 driver, an optional package: npm install @comedec/smartcard-pkcs11 (it builds pkcs11js)");
    return process.exit(64);
  }
};
const cards: Layer.Layer<SmartCards> =
  values.pkcs11 !== undefined ? await pkcs11Layer(values.pkcs11) : Simulator.layer({ directory: values.simulator as string });

/** A secret typed without echo in a terminal, or read from the environment without one. */
const askSecret = async (question: string, variable: string): Promise<string> => {
  const given = process.env[variable];
  if (given !== undefined && given !== "") return given;
  if (!process.stdin.isTTY) return wrongUsage(`no terminal to type the PIN in: set ${variable}`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = prompt as unknown as { _writeToOutput: (text: string) => void };
  muted._writeToOutput = (text) => {
    if (text.includes(question)) process.stdout.write(question);
  };
  const typed = await prompt.question(question);
  prompt.close();
  process.stdout.write("\n");
  return typed;
};

const failed = (error: { readonly _tag: string; readonly reason?: string; readonly rule?: string }) =>
  Effect.sync(() => {
    console.error(`Échec : ${error._tag}${error.rule === undefined ? "" : ` [${error.rule}]`}${error.reason === undefined ? "" : ` — ${error.reason}`}`);
    return 2;
  });

if (command === "cards") {
  const code = await Effect.runPromise(
    CardOperations.listCards.pipe(
      Effect.map((present) => {
        for (const card of present)
          console.log(`${card.serial}\t${card.label}\t${card.pin.locked ? "PIN bloqué" : card.pin.initialised ? "PIN défini" : "PIN non défini"}`);
        return 0;
      }),
      Effect.catch(failed),
      Effect.provide(cards),
    ),
  );
  process.exit(code);
}

if (command === "change-pin") {
  const pin = await askSecret("Code PIN actuel : ", "COMEDEC_PIN");
  const newPin = await askSecret("Nouveau code PIN : ", "COMEDEC_NEW_PIN");
  const code = await Effect.runPromise(
    CardOperations.changePin({ serial: values.card as string, pin, newPin }).pipe(
      Effect.map(() => {
        console.log("Code PIN changé.");
        return 0;
      }),
      Effect.catch(failed),
      Effect.provide(cards),
    ),
  );
  process.exit(code);
}

try {
  const running = await Agent.start({
    platform: values.platform as string,
    consoleOrigin: values["console-origin"] as string,
    cards,
    port,
    stateDirectory: values.state ?? join(homedir(), ".comedec-card-agent"),
  });
  console.log(`comedec-card-agent: listening on ${running.url} for ${values["console-origin"]}`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(`comedec-card-agent: ${error instanceof Error ? error.message : String((error as { reason?: string }).reason ?? error)}`);
  process.exit(2);
}
