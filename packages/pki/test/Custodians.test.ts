import { describe, expect, it } from "vitest";
import { Authority } from "../src/index.js";

const secret = (letter: string) => letter.repeat(24);

describe("the CA keys' custodians (dual control)", () => {
  it("needs two distinct custodians, each with a real secret", () => {
    expect(() => Authority.custodianPassphrase([{ name: "alice", secret: secret("a") }])).toThrow(/roles\.dual-control/);
    expect(() =>
      Authority.custodianPassphrase([
        { name: "alice", secret: secret("a") },
        { name: "alice", secret: secret("b") },
      ]),
    ).toThrow(/roles\.dual-control/);
    expect(() =>
      Authority.custodianPassphrase([
        { name: "alice", secret: secret("a") },
        { name: "bruno", secret: "short" },
      ]),
    ).toThrow(/16 characters/);
  });

  it("gives one passphrase from both secrets, whatever their order, and another for any other secret", () => {
    const both = Authority.custodianPassphrase([
      { name: "alice", secret: secret("a") },
      { name: "bruno", secret: secret("b") },
    ]);
    expect(
      Authority.custodianPassphrase([
        { name: "bruno", secret: secret("b") },
        { name: "alice", secret: secret("a") },
      ]),
    ).toBe(both);
    expect(
      Authority.custodianPassphrase([
        { name: "alice", secret: secret("a") },
        { name: "bruno", secret: secret("c") },
      ]),
    ).not.toBe(both);
    expect(both).toContain(secret("a"));
    expect(both).toContain(secret("b"));
  });
});
