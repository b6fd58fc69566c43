import { Secrets } from "@comedec/card";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { Hashing } from "../src/index.js";

describe("Hashing", () => {
  it("draws activation codes from Crockford's alphabet, 80 bits each, never twice in a thousand", () => {
    const codes = Array.from({ length: 1000 }, Hashing.newActivationCode);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${Secrets.codeAlphabet}]{${Secrets.codeLength}}$`));
    expect(new Set(codes).size).toBe(codes.length);
    // A code read back as typed, in lower case with dashes, is the same code.
    const code = codes[0] as string;
    expect(Secrets.normaliseCode(Secrets.formatCode(code).toLowerCase())).toBe(code);
  });

  it("matches a secret only against its own salt and digest", async () => {
    const salt = Hashing.newSalt();
    const digest = await Effect.runPromise(Hashing.hash("saint etienne", salt));
    expect(await Effect.runPromise(Hashing.matches("saint etienne", salt, digest))).toBe(true);
    expect(await Effect.runPromise(Hashing.matches("saint-etienne", salt, digest))).toBe(false);
    expect(await Effect.runPromise(Hashing.matches("saint etienne", Hashing.newSalt(), digest))).toBe(false);
    expect(Hashing.answerSalt(salt, 2)).toHaveLength(salt.length + 1);
  });

  it("makes ten-digit PUKs", () => {
    expect(Hashing.newPuk()).toMatch(/^\d{10}$/);
  });
});
