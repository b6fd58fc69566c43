import { Actor } from "@comedec/actor";
import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { Convention } from "../src/index.js";

const ants = Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const mairie = Actor.Actor.make({ id: "rc", name: "RC", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const terms: Convention.Terms = {
  commune: "69123" as never,
  kind: "CARTES",
  signatory: { name: "Maire", quality: "maire" },
  signedOn: "2017-09-01",
  responsableCarte: { name: "Alice", email: "alice@lyon.fr" },
  delegue: { name: "Bruno", email: "bruno@lyon.fr" },
};
const run = (state: Convention.State | undefined, command: Convention.Command, actor = ants) => {
  const decision = Convention.decide(state, command, { actor, today: "2017-10-01" });
  return Result.isSuccess(decision) ? decision.success.reduce<Convention.State | undefined>(Convention.evolve, state) : decision.failure;
};

describe("the convention state machine", () => {
  it("goes incomplete → received → validated, by post only with two copies", () => {
    const submitted = run(undefined, { _tag: "Submit", id: "c1", terms }, mairie) as Convention.State;
    expect(submitted.status).toBe("incomplete");
    const oneCopy = run(submitted, { _tag: "RecordReceipt", receipt: { channel: "post", copies: 1, receivedOn: "2017-09-03" } }) as Convention.State;
    expect(oneCopy.status).toBe("incomplete");
    const email = run(submitted, { _tag: "RecordReceipt", receipt: { channel: "email", copies: 1, receivedOn: "2017-09-03" } }) as Convention.State;
    expect(email.status).toBe("received");
    expect((run(email, { _tag: "Validate" }) as Convention.State).status).toBe("validated");
  });

  it("refuses what the table does not allow, naming the state", () => {
    const submitted = run(undefined, { _tag: "Submit", id: "c1", terms }, mairie) as Convention.State;
    expect(run(submitted, { _tag: "Validate" })).toMatchObject({ _tag: "IllegalTransition", state: "incomplete" });
    expect(run(submitted, { _tag: "Validate" }, mairie)).toMatchObject({ _tag: "TransitionRoleNotAllowed" });
    expect(run(undefined, { _tag: "Submit", id: "c2", terms: { ...terms, delegue: terms.responsableCarte } }, mairie)).toMatchObject({ _tag: "InvalidTerms" });
  });
});
