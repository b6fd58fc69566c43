import { describe, expect, it } from "vitest";
import { Cryptography } from "../src/index.js";

describe("Cryptography (RGS annex B1)", () => {
  it("accepts RSA-2048 until the end of 2030 and refuses it from 2031", () => {
    expect(Cryptography.keyViolation({ type: "rsa", bits: 2048 }, new Date("2030-12-31T23:00:00Z"))).toBeUndefined();
    expect(Cryptography.keyViolation({ type: "rsa", bits: 2048 }, new Date("2031-01-01T00:00:00Z"))?.id).toBe("crypto.rsa-size");
    expect(Cryptography.keyViolation({ type: "rsa", bits: 3072 }, new Date("2035-01-01T00:00:00Z"))).toBeUndefined();
    expect(Cryptography.keyViolation({ type: "rsa", bits: 1024 }, new Date("2026-01-01T00:00:00Z"))?.source).toContain("B1");
  });

  it("accepts P-256 and up, refuses P-192 and SHA-1", () => {
    expect(Cryptography.keyViolation({ type: "ec", curve: "prime256v1" }, new Date())).toBeUndefined();
    expect(Cryptography.keyViolation({ type: "ec", curve: "prime192v1" }, new Date())?.id).toBe("crypto.ec-curve");
    expect(Cryptography.hashViolation("sha1")?.id).toBe("crypto.hash");
    expect(Cryptography.hashViolation("sha256")).toBeUndefined();
  });
});
