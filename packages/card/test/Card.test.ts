import { Actor } from "@comedec/actor";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { Card, pinProblem, Request, Secrets } from "../src/index.js";

const site = { _tag: "commune", commune: "69123" as never } as const;
const operator = Actor.Actor.make({ id: "rc-lyon", name: "Alice", role: "commune-operator", site });
const ants = Actor.Actor.make({ id: "ants-1", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const holder = Actor.Actor.make({ id: "holder-1", name: "Bruno", role: "agent", site });
const platform = Actor.platform;
const today = "2026-11-22";
const certificate = { serial: "0a1b", notBefore: "2026-11-22T00:00:00Z", notAfter: "2029-11-21T00:00:00Z", algorithm: "P-256" };
const handOver = { document: { type: "passeport", number: "18AB12345" }, place: "mairie", activationCodePresented: true } as const;

const run = (state: Card.State | undefined, command: Card.Command, actor: Actor.Actor) => {
  const decision = Card.decide(state, command, { actor, today });
  if (Result.isFailure(decision)) return decision.failure;
  return decision.success.reduce<Card.State | undefined>(Card.evolve, state) as Card.State;
};
const walk = (steps: ReadonlyArray<[Card.Command, Actor.Actor]>) =>
  steps.reduce<Card.State | undefined>((state, [command, actor]) => {
    const next = run(state, command, actor);
    if ("_tag" in next) throw new Error(`${command._tag}: ${next._tag}`);
    return next;
  }, undefined) as Card.State;

const received = () =>
  walk([
    [{ _tag: "Order", id: "c-1", holder: "holder-1", site, reason: "nouvel agent" }, operator],
    [{ _tag: "StartProduction", serial: "SN-0001", reason: "commande fabricant" }, ants],
    [{ _tag: "Ship", reason: "envoi postal" }, ants],
    [{ _tag: "Receive", serial: "SN-0001", reason: "colis reçu" }, operator],
  ]);

describe("Card", () => {
  it("walks from order to publication, PIN block, unblock, renewal of certificates and revocation, keeping each reason", () => {
    let card = received();
    expect(card).toMatchObject({ status: "received", serial: "SN-0001", lastReason: "colis reçu" });
    const steps: ReadonlyArray<[Card.Command, Actor.Actor, Card.Status]> = [
      [
        { _tag: "Publish", handOver, certificates: { authentication: certificate, signature: certificate }, reason: "remise en main propre" },
        operator,
        "active",
      ],
      [{ _tag: "BlockPin", reason: "3 PIN faux" }, holder, "pin-blocked"],
      [{ _tag: "Unblock", holderAuthentication: "secret-answers", reason: "appel du porteur" }, operator, "active"],
      [{ _tag: "RenewCertificates", certificates: { authentication: certificate, signature: certificate }, reason: "échéance" }, operator, "active"],
      [{ _tag: "Revoke", revocationReason: "keyCompromise", reason: "carte perdue" }, holder, "revoked"],
    ];
    for (const [command, actor, status] of steps) {
      const next = run(card, command, actor);
      if ("_tag" in next) throw new Error(next._tag);
      expect(next.status).toBe(status);
      expect(next.lastReason).toBe(command.reason);
      card = next;
    }
    expect(card.revocation).toEqual({ reason: "keyCompromise", on: today });
  });

  it("suspends a card from any live state and resumes it, by the platform only, back to the state it was suspended from", () => {
    const published = run(
      received(),
      { _tag: "Publish", handOver, certificates: { authentication: certificate, signature: certificate }, reason: "remise" },
      operator,
    ) as Card.State;
    const blocked = run(published, { _tag: "BlockPin", reason: "3 PIN faux" }, holder) as Card.State;
    for (const [before, actor] of [
      [received(), operator],
      [published, platform],
      [blocked, platform],
    ] as const) {
      const suspended = run(before, { _tag: "Suspend", reason: "porteur désactivé" }, actor) as Card.State;
      expect(suspended).toMatchObject({ status: "suspended", suspendedFrom: before.status });
      // Nobody but the platform, on the directory's reactivation, lifts a suspension.
      for (const refused of [operator, ants, holder]) {
        expect(run(suspended, { _tag: "Resume", reason: "reprise" }, refused)).toMatchObject({ _tag: "CardPartyNotAllowed", command: "Resume" });
      }
      const resumed = run(suspended, { _tag: "Resume", reason: "porteur réactivé" }, platform) as Card.State;
      expect(resumed.status).toBe(before.status);
      expect(resumed.suspendedFrom).toBeUndefined();
      expect(resumed.lastReason).toBe("porteur réactivé");
    }
    expect(run(published, { _tag: "Resume", reason: "reprise" }, platform)).toMatchObject({ _tag: "CardIllegalTransition", state: "active" });
    // A suspended card still expires with its certificates, and can still be revoked.
    const suspended = run(published, { _tag: "Suspend", reason: "porteur désactivé" }, platform) as Card.State;
    expect(run(suspended, { _tag: "Expire", reason: "échéance" }, platform)).toMatchObject({ status: "expired" });
    expect(run(suspended, { _tag: "Revoke", revocationReason: "cessationOfOperation", reason: "départ" }, operator)).toMatchObject({ status: "revoked" });
    expect(run(suspended, { _tag: "Expire", reason: "échéance" }, operator)).toMatchObject({ _tag: "CardPartyNotAllowed" });
  });

  it("says, for every transition, who fires it and why", () => {
    for (const transition of Card.machine.transitions) {
      expect(transition.by.length, transition.command).toBeGreaterThan(0);
      expect(transition.why.length, transition.command).toBeGreaterThan(20);
    }
    expect(Card.transitionOf("Resume")).toMatchObject({ from: ["suspended"], by: ["platform"] });
    expect(Card.transitionOf("Expire")).toMatchObject({ by: ["platform"] });
  });

  it("refuses every transition the table does not list, naming the state and the rule", () => {
    const card = received();
    for (const transition of Card.machine.transitions) {
      if ((transition.from as ReadonlyArray<string>).includes("received")) continue;
      const refused = Card.decide(card, { _tag: transition.command, reason: "essai" } as Card.Command, { actor: ants, today });
      expect(Result.isFailure(refused) && refused.failure).toMatchObject({ _tag: "CardIllegalTransition", state: "received", rule: transition.rule });
    }
  });

  it("refuses a holder handing over their own card, an operator expiring one and a wrong serial", () => {
    const card = received();
    const publish: Card.Command = { _tag: "Publish", handOver, certificates: { authentication: certificate, signature: certificate }, reason: "remise" };
    expect(run(card, publish, holder)).toMatchObject({ _tag: "CardPartyNotAllowed", party: "holder" });
    expect(run(card, publish, ants)).toMatchObject({ _tag: "CardPartyNotAllowed", party: "national-operator" });
    const active = run(card, publish, operator) as Card.State;
    expect(run(active, { _tag: "Expire", reason: "fin" }, operator)).toMatchObject({ _tag: "CardPartyNotAllowed" });
    expect(run(active, { _tag: "Expire", reason: "fin" }, platform)).toMatchObject({ status: "expired" });
    const shipped = { ...card, status: "shipped" } as Card.State;
    expect(run(shipped, { _tag: "Receive", serial: "SN-9999", reason: "colis" }, operator)).toMatchObject({ _tag: "SerialMismatch", expected: "SN-0001" });
  });

  it("lets a national administrator signed in with their card hand over a card of the national site, and no card of another site", () => {
    const national = { _tag: "national" } as const;
    const colleague = Actor.Actor.make({ id: "ants-2", name: "Claire", role: "national-administrator", site: national, credential: "card" });
    const card = { ...received(), site: national } as Card.State;
    const publish: Card.Command = { _tag: "Publish", handOver, certificates: { authentication: certificate, signature: certificate }, reason: "remise" };
    expect(run(card, publish, colleague)).toMatchObject({ status: "active" });
    // A token proves no person at the desk: ANTS signed in otherwise hands over none.
    expect(run(card, publish, Actor.Actor.make({ ...colleague, credential: "bootstrap-token" }))).toMatchObject({
      _tag: "CardPartyNotAllowed",
      party: "national-operator",
    });
    expect(run(card, publish, ants)).toMatchObject({ _tag: "CardPartyNotAllowed", party: "national-operator" });
    // A commune's card is its own operators', never ANTS's from afar, even signed in with a card.
    expect(run(received(), publish, colleague)).toMatchObject({ _tag: "CardPartyNotAllowed", party: "national-operator" });
    // Nor does a national administrator hand over their own card.
    expect(run({ ...card, holder: "ants-2" }, publish, colleague)).toMatchObject({ _tag: "CardPartyNotAllowed", party: "holder" });
  });

  it("has every state reachable and the terminal states without exit", () => {
    const targets = new Set(Card.machine.transitions.map((transition) => transition.to));
    for (const state of Card.machine.states) expect(targets.has(state)).toBe(true);
    for (const state of Card.terminal)
      expect(Card.machine.transitions.some((transition) => (transition.from as ReadonlyArray<string>).includes(state))).toBe(false);
  });
});

describe("Request", () => {
  const submit = (actor: Actor.Actor, origin: "holder" | "automatic") =>
    Request.decide(
      undefined,
      { _tag: "Submit", id: "r-1", kind: "card-renewal", origin, holder: "holder-1", site, card: "c-1", reason: "carte abîmée" },
      { actor, today },
    );
  const submitted = () => {
    const events = submit(holder, "holder");
    if (Result.isFailure(events)) throw new Error(events.failure._tag);
    return events.success.reduce<Request.State | undefined>(Request.evolve, undefined) as Request.State;
  };

  it("lets a holder ask and an operator validate", () => {
    const state = submitted();
    expect(state).toMatchObject({ status: "pending-validation", requestedBy: "holder-1", submittedOn: today });
    const validated = Request.decide(state, { _tag: "Validate", orderedCard: "c-2", reason: "ok" }, { actor: operator, today });
    expect(Result.isSuccess(validated) && validated.success.reduce(Request.evolve, state)).toMatchObject({
      status: "validated",
      orderedCard: "c-2",
      decidedBy: "rc-lyon",
    });
  });

  it("refuses a holder validating their own request, an operator validating one they made, and a holder posing as the platform", () => {
    const state = submitted();
    expect(Result.isFailure(Request.decide(state, { _tag: "Validate", reason: "moi" }, { actor: holder, today }))).toBe(true);
    const byOperator = { ...state, requestedBy: "rc-lyon" };
    const refused = Request.decide(byOperator, { _tag: "Validate", reason: "moi" }, { actor: operator, today });
    expect(Result.isFailure(refused) && refused.failure._tag).toBe("CardPartyNotAllowed");
    expect(Result.isFailure(submit(holder, "automatic"))).toBe(true);
    expect(Result.isSuccess(submit(platform, "automatic"))).toBe(true);
    // The platform is told by its credential: an account named like it is not it.
    expect(Result.isFailure(submit(Actor.Actor.make({ ...platform, credential: "card" }), "automatic"))).toBe(true);
  });
});

describe("Secrets and PIN rules", () => {
  it("normalises typed codes and answers", () => {
    expect(Secrets.normaliseCode("7k2m-ol1z 0000-0000")).toBe("7K2M011Z00000000");
    expect(Secrets.formatCode("ABCDEFGHJKMNPQRS")).toBe("ABCD-EFGH-JKMN-PQRS");
    expect(Secrets.normaliseAnswer("  Saint-Étienne ")).toBe(Secrets.normaliseAnswer("saint etienne"));
  });

  it("refuses short, repeated and consecutive PINs", () => {
    expect(pinProblem("12345")).toBeDefined();
    expect(pinProblem("111111")).toBeDefined();
    expect(pinProblem("234567")).toBeDefined();
    expect(pinProblem("12a456")).toBeDefined();
    expect(pinProblem("482915")).toBeUndefined();
  });
});
