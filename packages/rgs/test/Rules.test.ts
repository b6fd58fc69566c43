import { describe, expect, it } from "vitest";
import { Access, Rules } from "../src/index.js";

const at = (iso: string) => new Date(iso);

// Each rule: a situation it accepts and one it refuses, naming itself.
const cases: ReadonlyArray<readonly [Rules.Rule<any>, unknown, unknown]> = [
  [Rules.rules.keySize, { key: { type: "rsa", bits: 2048 }, on: at("2030-06-01") }, { key: { type: "rsa", bits: 2048 }, on: at("2031-06-01") }],
  [Rules.rules.hash, { hash: "sha256" }, { hash: "sha1" }],
  [Rules.rules.separateKeys, { authentication: "k1", signature: "k2" }, { authentication: "k1", signature: "k1" }],
  [
    Rules.rules.certificateValidity,
    { notBefore: at("2026-01-01"), notAfter: at("2029-01-01"), issuerNotAfter: at("2036-01-01") },
    { notBefore: at("2026-01-01"), notAfter: at("2029-06-01"), issuerNotAfter: at("2036-01-01") },
  ],
  [Rules.rules.pinBeforeUse, { usage: "signature", pinGiven: true, loggedIn: true }, { usage: "signature", pinGiven: false, loggedIn: true }],
  [Rules.rules.pinFormat, { pin: "482915" }, { pin: "123456" }],
  [
    Rules.rules.dualControl,
    { operation: "the revocation of an operator's card", confirmedBy: ["rc-lyon", "del-lyon"] },
    { operation: "the revocation of an operator's card", confirmedBy: ["rc-lyon", "rc-lyon"] },
  ],
  [
    Rules.rules.roleSeparation,
    { holders: { "audit.verify": ["auditor"], "card.validate": ["commune-operator"], "agent.read": ["auditor"] } },
    { holders: { "audit.verify": ["auditor", "national-administrator"], "card.validate": ["national-administrator"] } },
  ],
  [Rules.rules.faceToFace, { faceToFace: true, checkedBy: "rc-lyon" }, { faceToFace: false, checkedBy: "rc-lyon" }],
  [Rules.rules.fourEyes, { decidedBy: "a", requestedBy: "b", concerns: "c" }, { decidedBy: "c", requestedBy: "b", concerns: "c" }],
  [Rules.rules.noSelfGrant, { actor: "a", subject: "b", rightsChanged: true }, { actor: "a", subject: "a", rightsChanged: true }],
  [
    Rules.rules.revocationDelay,
    { requestedAt: at("2026-11-20T08:00:00Z"), publishedAt: at("2026-11-20T09:00:00Z"), now: at("2026-11-22T00:00:00Z") },
    { requestedAt: at("2026-11-20T08:00:00Z"), publishedAt: undefined, now: at("2026-11-21T09:00:00Z") },
  ],
  [
    Rules.rules.crlAge,
    { thisUpdate: at("2026-11-22T00:00:00Z"), now: at("2026-11-22T23:00:00Z") },
    { thisUpdate: at("2026-11-20T00:00:00Z"), now: at("2026-11-22T00:00:00Z") },
  ],
];

describe("Rules", () => {
  it("gives every rule an id, a source in the RGS and a text, each id once", () => {
    const all = Object.values(Rules.rules);
    expect(new Set(all.map((rule) => rule.id)).size).toBe(all.length);
    for (const rule of all) {
      expect(rule.source).toMatch(/^RGS v2\.0 annexe (A2|A4|B1)/);
      expect(rule.text.length).toBeGreaterThan(20);
    }
    expect(cases.map(([rule]) => rule.id).sort()).toEqual(all.map((rule) => rule.id).sort());
  });

  for (const [rule, accepted, refused] of cases) {
    it(`${rule.id}: accepts what follows it and names itself when broken`, () => {
      expect(rule.check(accepted)).toBeUndefined();
      expect(rule.check(refused)).toMatchObject({ rule: rule.id });
    });
  }

  it("roles.separation holds on the platform's own authorisation matrix", () => {
    const holders = Object.fromEntries(Object.entries(Access.matrix).map(([permission, roles]) => [permission, Object.keys(roles)]));
    expect(Rules.rules.roleSeparation.check({ holders })).toBeUndefined();
  });

  it("purges event logs after 7 years, registration files 10 years after the last certificate, certificates and CRLs after 5", () => {
    expect(Rules.purgeable("eventLog", at("2019-11-22"), at("2026-11-21"))).toBe(false);
    expect(Rules.purgeable("eventLog", at("2019-11-22"), at("2026-11-22"))).toBe(true);
    expect(Rules.purgeable("registrationFile", at("2020-01-01"), at("2029-12-31"))).toBe(false);
    expect(Rules.purgeable("certificatesAndCrls", at("2020-01-01"), at("2025-01-01"))).toBe(true);
  });
});
