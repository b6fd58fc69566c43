/**
 * The agent's journal of the key pairs it generated for the platform's operations: for each card
 * and operation (a publication, a renewal), the two public keys. A retry of the same operation —
 * the card pulled out halfway, the page reloaded — finds them, checks that the card still holds
 * them, and reuses them rather than generating new ones: the platform never issues certificates
 * for keys no card holds. Only public keys are written; one JSON file per entry, written whole
 * and renamed. In memory when no directory is given.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";

/** The keys of one operation on one card. */
export interface Entry {
  readonly serial: string;
  readonly operation: string;
  readonly algorithm: string;
  /** SubjectPublicKeyInfo, base64, by usage. */
  readonly authentication: string;
  readonly signature: string;
}

/** The journal. */
export interface Journal {
  readonly find: (serial: string, operation: string) => Entry | undefined;
  readonly record: (entry: Entry) => void;
}

const fileName = (serial: string, operation: string) => `${createHash("sha256").update(`${serial}\n${operation}`).digest("hex")}.json`;

/** A journal in a directory, or in memory. */
export const make = (directory?: string): Journal => {
  const memory = new Map<string, Entry>();
  if (directory === undefined) {
    return {
      find: (serial, operation) => memory.get(fileName(serial, operation)),
      record: (entry) => void memory.set(fileName(entry.serial, entry.operation), entry),
    };
  }
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  return {
    find: (serial, operation) => {
      try {
        return JSON.parse(readFileSync(join(directory, fileName(serial, operation)), "utf8")) as Entry;
      } catch {
        return undefined;
      }
    },
    record: (entry) => {
      const file = join(directory, fileName(entry.serial, entry.operation));
      writeFileSync(`${file}.tmp`, JSON.stringify(entry), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    },
  };
};
