#!/usr/bin/env node
/**
 * comedec-connection-test — the mairie's (or its editor's) connection test, with progress shown:
 *
 *   comedec-connection-test --api https://comedec.example --commune 69123 --specimen-file actes.json \
 *       (--simulator DIR | --pkcs11 /usr/lib/softhsm/libsofthsm2.so) [--card SERIAL] [--keep-signed DIR]
 *
 * The PIN comes from COMEDEC_PIN, or is typed without echo in a terminal — never on the command
 * line, where other users could read it.
 * Without --card, the only card present is used. Exit status: 0 passed, 1 not passed, 2 refused
 * or failed (the reason is printed), 64 wrong usage (one line, never a stack trace); `--help` prints
 * the usage and exits 0. `@comedec/smartcard-pkcs11` (and its native `pkcs11js` build) is an optional
 * peer, loaded only for --pkcs11: simulator users never install it.
 */
import { CardOperations } from "@comedec/card-agent";
import { Specimen } from "@comedec/exchange";
import { Simulator } from "@comedec/smartcard-simulator";
import { Effect, Layer, Schema } from "effect";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import * as ConnectionTest from "./ConnectionTest.js";

const usage =
  "usage: comedec-connection-test --api URL --commune INSEE --specimen-file FILE (--simulator DIR | --pkcs11 LIBRARY) [--card SERIAL] [--keep-signed DIR]\n" +
  "       the card's PIN in COMEDEC_PIN, or typed when asked";

const options = {
  api: { type: "string" },
  commune: { type: "string" },
  "specimen-file": { type: "string" },
  simulator: { type: "string" },
  pkcs11: { type: "string" },
  card: { type: "string" },
  "keep-signed": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The options, or one line and exit 64 for an option this command does not know (no stack trace). */
const values = (() => {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    console.error(`comedec-connection-test: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)} (--help for the usage)`);
    return process.exit(64);
  }
})();
if (values.help === true) {
  console.log(usage);
  process.exit(0);
}

/** The PIN, typed without echo when the command runs in a terminal and COMEDEC_PIN is not set. */
const askPin = async (): Promise<string | undefined> => {
  if (!process.stdin.isTTY) return undefined;
  const prompt = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const muted = prompt as unknown as { _writeToOutput: (text: string) => void };
  const question = "Code PIN de la carte : ";
  muted._writeToOutput = (text) => {
    if (text.includes(question)) process.stdout.write(question);
  };
  const typed = await prompt.question(question);
  prompt.close();
  process.stdout.write("\n");
  return typed;
};

const pin = process.env.COMEDEC_PIN ?? (values.api === undefined ? undefined : await askPin());
if (values.api === undefined || values.commune === undefined || values["specimen-file"] === undefined || pin === undefined) {
  console.error(usage);
  process.exit(64);
}
if ((values.simulator === undefined) === (values.pkcs11 === undefined)) {
  console.error(`one card driver: --simulator or --pkcs11\n${usage}`);
  process.exit(64);
}
const api = values.api;
const commune = values.commune;
const fileText = readFileSync(values["specimen-file"], "utf8");
/** The PKCS#11 driver, an optional peer: loaded only here, with a clear message when it is not installed. */
const pkcs11Layer = async (library: string) => {
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
const cards = values.pkcs11 !== undefined ? await pkcs11Layer(values.pkcs11) : Simulator.layer({ directory: values.simulator as string });

const program = Effect.gen(function* () {
  const file = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(Specimen.SpecimenFile))(fileText);
  const present = yield* CardOperations.listCards;
  const serial = values.card ?? (present.length === 1 ? present[0]?.serial : undefined);
  if (serial === undefined) {
    return yield* Effect.fail({
      _tag: "NoCard",
      message: `${present.length} cards present: name one with --card (${present.map((card) => card.serial).join(", ")})`,
    });
  }
  return yield* ConnectionTest.run({
    api: { baseUrl: api },
    commune,
    file,
    card: { serial, pin },
    ...(values["keep-signed"] === undefined ? {} : { keepSigned: values["keep-signed"] }),
    progress: (line) => console.log(line),
  });
});

const code = await Effect.runPromise(
  program.pipe(
    Effect.map((standing) => (standing.passed ? 0 : 1)),
    Effect.catch((error: { readonly _tag: string; readonly reason?: string; readonly rule?: string; readonly message?: string }) =>
      Effect.sync(() => {
        console.error(`Échec : ${error._tag}${error.rule === undefined ? "" : ` [${error.rule}]`} — ${error.reason ?? error.message ?? ""}`);
        return 2;
      }),
    ),
    Effect.provide(cards),
  ),
);
process.exit(code);
