import { Actor } from "@comedec/actor";
import { Result, Schema } from "effect";
import { describe, expect, it } from "vitest";
import { Agent, Identity } from "../src/index.js";

const registrar = Actor.Actor.make({ id: "rc-lyon", name: "Alice", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const today = "2026-03-10";
const context = { actor: registrar, today };

const identity: Identity.Identity = {
  birthName: "Dupré",
  usedName: "Martin",
  givenNames: ["Élodie", "Marie"],
  sex: "F",
  birthDate: "1980-05-17",
  placeOfBirth: { _tag: "commune", commune: "69123" as never },
};
const document: Identity.IdentityDocument = {
  type: "carte-nationale-identite",
  number: "X4RTBPFW4",
  issuingAuthority: "Préfecture du Rhône",
  expiresOn: "2031-01-01",
  holder: { birthName: "DUPRE", givenNames: ["Elodie", "Marie"], birthDate: "1980-05-17" },
  check: { by: "rc-lyon", on: "2026-03-09", faceToFace: true },
};
const registration: Agent.Registration = {
  identity,
  document,
  contact: { email: "elodie.martin@mairie-lyon.fr" },
  site: { _tag: "commune", commune: "69123" as never },
  profile: { _tag: "agent" },
  rights: ["receive-requests"],
};

const register = (overrides: Partial<Agent.Registration> = {}) =>
  Agent.decide(undefined, { _tag: "Register", id: "a-1", registration: { ...registration, ...overrides } }, context);
const failure = (result: Result.Result<unknown, { _tag: string }>) => (Result.isFailure(result) ? result.failure : undefined);
const registered = () => {
  const events = register();
  if (Result.isFailure(events)) throw new Error(events.failure._tag);
  return events.success.reduce<Agent.State | undefined>(Agent.evolve, undefined) as Agent.State;
};

describe("registering an agent", () => {
  it("accepts an identity matching the document, accents and case aside", () => {
    expect(registered()).toMatchObject({ id: "a-1", status: "active", rights: ["receive-requests"] });
  });

  it("refuses an identity that differs from the checked document", () => {
    expect(failure(register({ identity: { ...identity, givenNames: ["Élodie"] } }))).toMatchObject({ _tag: "IdentityMismatch", field: "givenNames" });
    expect(failure(register({ identity: { ...identity, birthDate: "1980-05-18" } }))).toMatchObject({ _tag: "IdentityMismatch", field: "birthDate" });
    expect(failure(register({ identity: { ...identity, birthName: "Dupont" } }))).toMatchObject({ _tag: "IdentityMismatch", field: "names" });
  });

  it("refuses an expired document, a check not face to face, a check in the future", () => {
    expect(failure(register({ document: { ...document, expiresOn: "2026-03-01" } }))).toMatchObject({ _tag: "DocumentNotAcceptable" });
    expect(failure(register({ document: { ...document, check: { ...document.check, faceToFace: false } } }))).toMatchObject({
      _tag: "DocumentNotAcceptable",
      reason: expect.stringMatching(/face to face/),
    });
    expect(failure(register({ document: { ...document, check: { ...document.check, on: "2026-03-11" } } }))).toMatchObject({ _tag: "DocumentNotAcceptable" });
  });

  it("refuses a birth date in the future or of a child", () => {
    const child = { ...identity, birthDate: "2015-01-01" };
    expect(failure(register({ identity: child, document: { ...document, holder: { ...document.holder, birthDate: "2015-01-01" } } }))).toMatchObject({
      _tag: "ImpossibleBirthDate",
    });
  });

  it("refuses an agent d'état civil with the right to sign", () => {
    expect(failure(register({ rights: ["receive-requests", "sign-responses"] }))).toMatchObject({ _tag: "ProfileNotAllowed" });
    const mayor = register({ profile: { _tag: "officer", basis: { _tag: "mayor" } }, rights: ["receive-requests", "sign-responses"] });
    expect(Result.isSuccess(mayor)).toBe(true);
  });

  it("gives the right to verify the audit trail to an agent of the national site alone, who holds no other (RGS role separation)", () => {
    const national = { _tag: "national" } as const;
    expect(Result.isSuccess(register({ site: national, rights: ["audit-trail"] }))).toBe(true);
    expect(Result.isSuccess(register({ site: national, rights: ["operate-cards", "register-agents"] }))).toBe(true);
    expect(failure(register({ rights: ["audit-trail"] }))).toMatchObject({ _tag: "ProfileNotAllowed", reason: expect.stringMatching(/national site/) });
    expect(failure(register({ site: { _tag: "prefecture", departement: "69" as never }, rights: ["audit-trail"] }))).toMatchObject({
      _tag: "ProfileNotAllowed",
    });
    expect(failure(register({ site: national, rights: ["audit-trail", "operate-cards"] }))).toMatchObject({
      _tag: "ProfileNotAllowed",
      reason: expect.stringMatching(/no other right/),
    });
    // Nor does a modification give it to an administrator.
    const events = register({ site: national, rights: ["operate-cards"] });
    if (Result.isFailure(events)) throw new Error(events.failure._tag);
    const administrator = events.success.reduce<Agent.State | undefined>(Agent.evolve, undefined) as Agent.State;
    expect(failure(Agent.decide(administrator, { _tag: "Modify", rights: ["operate-cards", "audit-trail"] }, context))).toMatchObject({
      _tag: "ProfileNotAllowed",
    });
    expect(Result.isSuccess(Agent.decide(administrator, { _tag: "Modify", rights: ["audit-trail"] }, context))).toBe(true);
  });

  it("accepts an officer by delegation only while the arrêté is valid and within the mayor's term", () => {
    const delegation = (from: string, until: string, mayorTermEndsOn = "2032-03-31") =>
      register({ profile: { _tag: "officer", basis: { _tag: "delegation", arrete: "A-2026-12", from, until, mayorTermEndsOn } }, rights: ["sign-responses"] });
    expect(Result.isSuccess(delegation("2026-01-01", "2027-12-31"))).toBe(true);
    expect(failure(delegation("2026-04-01", "2027-12-31"))).toMatchObject({ _tag: "ProfileNotAllowed", reason: expect.stringMatching(/not valid today/) });
    expect(failure(delegation("2024-01-01", "2026-03-09"))).toMatchObject({ _tag: "ProfileNotAllowed" });
    expect(failure(delegation("2026-01-01", "2033-01-01"))).toMatchObject({ _tag: "ProfileNotAllowed", reason: expect.stringMatching(/mayor's term/) });
  });

  it("validates places of birth abroad by ISO country code, and real calendar days", () => {
    const decode = Schema.decodeUnknownResult(Identity.Identity);
    const abroad = (country: string) => decode({ ...identity, placeOfBirth: { _tag: "abroad", country, city: "Alger" } });
    expect(Result.isSuccess(abroad("DZ"))).toBe(true);
    expect(Result.isFailure(abroad("QQ"))).toBe(true);
    expect(Result.isFailure(abroad("FR"))).toBe(true);
    expect(Result.isFailure(decode({ ...identity, birthDate: "1980-02-30" }))).toBe(true);
  });
});

describe("changing an agent record", () => {
  it("needs a new document check for an identity change", () => {
    const state = registered();
    const renamed = { ...identity, usedName: "Bernard" };
    expect(failure(Agent.decide(state, { _tag: "Modify", identity: renamed }, context))).toMatchObject({ _tag: "DocumentCheckRequired" });
    const checked = Agent.decide(state, { _tag: "Modify", identity: renamed, document: { ...document, number: "Z9Z9Z9Z9" } }, context);
    expect(Result.isSuccess(checked)).toBe(true);
  });

  it("refuses that anyone change their own rights", () => {
    const state = registered();
    const self = Actor.Actor.make({ ...registrar, id: "a-1" });
    expect(failure(Agent.decide(state, { _tag: "Modify", rights: ["receive-requests", "operate-cards"] }, { actor: self, today }))).toMatchObject({
      _tag: "OwnRightsChange",
    });
    expect(Result.isSuccess(Agent.decide(state, { _tag: "Modify", rights: ["receive-requests", "operate-cards"] }, context))).toBe(true);
  });

  it("follows the state table, and deletion erases personal data", () => {
    const state = registered();
    const deactivated = Agent.evolve(state, { _tag: "AgentDeactivated", reason: "mutation" });
    expect(failure(Agent.decide(deactivated, { _tag: "Deactivate", reason: "again" }, context))).toMatchObject({
      _tag: "AgentIllegalTransition",
      state: "deactivated",
    });
    expect(failure(Agent.decide(deactivated, { _tag: "Modify", rights: [] }, context))).toMatchObject({ _tag: "AgentIllegalTransition" });
    const deleted = Agent.evolve(deactivated, { _tag: "AgentDeleted", reason: "départ", on: today });
    expect(deleted).toEqual({ id: "a-1", site: registration.site, status: "deleted", rights: [], deletedOn: today });
    expect(JSON.stringify(deleted)).not.toMatch(/Dupr|lodie|X4RT|mairie-lyon/);
    expect(failure(Agent.decide(deleted, { _tag: "ChangeContact", contact: { email: "x@y.fr" } }, context))).toMatchObject({ _tag: "AgentIllegalTransition" });
    for (const transition of Agent.machine.transitions) {
      expect(["Register", "ChangeContact", "Modify", "Deactivate", "Reactivate", "Delete"]).toContain(transition.command);
    }
  });

  it("reactivates a deactivated record, with a new document check after a long deactivation", () => {
    const state = registered();
    expect(failure(Agent.decide(state, { _tag: "Reactivate", reason: "retour" }, context))).toMatchObject({ _tag: "AgentIllegalTransition", state: "active" });
    const deactivation = Agent.decide(state, { _tag: "Deactivate", reason: "congé" }, context);
    if (Result.isFailure(deactivation)) throw new Error(deactivation.failure._tag);
    expect(deactivation.success).toEqual([{ _tag: "AgentDeactivated", reason: "congé", on: today }]);
    const deactivated = deactivation.success.reduce<Agent.State | undefined>(Agent.evolve, state) as Agent.State;
    expect(deactivated).toMatchObject({ status: "deactivated", deactivatedOn: today });
    // Within the threshold: no document needed.
    const soon = { actor: registrar, today: "2027-03-10" };
    const back = Agent.decide(deactivated, { _tag: "Reactivate", reason: "retour de congé" }, soon);
    if (Result.isFailure(back)) throw new Error(back.failure._tag);
    const reactivated = back.success.reduce<Agent.State | undefined>(Agent.evolve, deactivated) as Agent.State;
    expect(reactivated.status).toBe("active");
    expect(reactivated.deactivatedOn).toBeUndefined();
    expect(reactivated.deactivationReason).toBeUndefined();
    // Past it: the document, checked face to face again after the deactivation, matching the identity.
    const late = { actor: registrar, today: "2027-03-11" };
    expect(Agent.longDeactivation(today, "2027-03-10")).toBe(false);
    expect(Agent.longDeactivation(today, "2027-03-11")).toBe(true);
    expect(Agent.longDeactivation(undefined, today)).toBe(true);
    expect(failure(Agent.decide(deactivated, { _tag: "Reactivate", reason: "retour" }, late))).toMatchObject({ _tag: "DocumentCheckRequired" });
    const stale = Agent.decide(deactivated, { _tag: "Reactivate", reason: "retour", document }, late);
    expect(failure(stale)).toMatchObject({ _tag: "DocumentNotAcceptable" });
    const fresh = { ...document, number: "NEW123456", check: { by: "rc-lyon", on: "2027-03-11", faceToFace: true } };
    const otherPerson = { ...fresh, holder: { ...fresh.holder, birthDate: "1981-05-17" } };
    expect(failure(Agent.decide(deactivated, { _tag: "Reactivate", reason: "retour", document: otherPerson }, late))).toMatchObject({
      _tag: "IdentityMismatch",
    });
    expect(
      failure(Agent.decide(deactivated, { _tag: "Reactivate", reason: "retour", document: { ...fresh, check: { ...fresh.check, faceToFace: false } } }, late)),
    ).toMatchObject({ _tag: "DocumentNotAcceptable" });
    const checked = Agent.decide(deactivated, { _tag: "Reactivate", reason: "retour", document: fresh }, late);
    if (Result.isFailure(checked)) throw new Error(checked.failure._tag);
    const again = checked.success.reduce<Agent.State | undefined>(Agent.evolve, deactivated) as Agent.State;
    expect(again).toMatchObject({ status: "active", document: fresh, registeredBy: "rc-lyon" });
  });

  it("keys a person by folded birth name, given names and birth date", () => {
    expect(Identity.personKey(identity)).toBe(Identity.personKey({ ...identity, birthName: "DUPRE", usedName: "Autre" }));
    expect(Identity.personKey(identity)).not.toBe(Identity.personKey({ ...identity, birthDate: "1981-05-17" }));
  });
});
