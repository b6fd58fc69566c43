/**
 * The exchange's model: the specimen requests a file makes are answered right by a mairie that
 * answers from that file; a wrong answer is told apart; the signed bytes are canonical; and the
 * signer rules refuse every profile but an officer of the commune, with a delegation valid that day.
 */
import type { Agent } from "@comedec/agent";
import type { InseeCode } from "@comedec/commune";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { Response, Signer, Specimen } from "../src/index.js";

const commune = "69123" as InseeCode.InseeCode;
const file: Specimen.SpecimenFile = {
  acts: [
    {
      actType: "birth",
      actDate: "2001-03-04",
      reference: "N-2001-12",
      persons: [{ birthName: "DUPONT", givenNames: ["Léa", "Marie"], sex: "F", birthDate: "2001-03-04", birthPlace: "Lyon" }],
    },
    {
      actType: "marriage",
      actDate: "2015-06-20",
      reference: "M-2015-3",
      persons: [
        { birthName: "MARTIN", givenNames: ["Paul"], birthDate: "1985-01-02" },
        { birthName: "ROUX", givenNames: ["Anne"], birthDate: "1987-05-06" },
      ],
    },
    { actType: "death", actDate: "2020-11-30", reference: "D-2020-7", persons: [{ birthName: "BLANC", givenNames: ["Jean"] }] },
  ],
};
let counter = 0;
const planned = Specimen.plan(file, commune, new Date("2026-12-01T10:00:00Z"), () => `req-${++counter}`);

describe("specimen requests", () => {
  it("asks about every act, misdeclares every other one, and asks about an act the file does not hold", () => {
    expect(planned.map((entry) => entry.expected._tag)).toEqual(["verified", "corrected", "verified", "not-found"]);
    expect(planned[1]?.expected).toEqual({
      _tag: "corrected",
      corrections: [{ person: 0, field: "birthDate", declared: "1985-01-03", recorded: "1985-01-02" }],
    });
    expect(planned[3]?.request.actReference).toBe("N-2001-12-X");
    expect(planned.every((entry) => entry.request.specimen && entry.request.commune === commune)).toBe(true);
  });

  it("are answered right by a mairie answering from its file, and a wrong answer is told apart", () => {
    for (const entry of planned) expect(Response.sameOutcome(Specimen.answer(file, commune, entry.request), entry.expected)).toBe(true);
    expect(Response.sameOutcome({ _tag: "verified" }, planned[1]?.expected as Response.Outcome)).toBe(false);
    expect(Specimen.answer(file, "75056" as InseeCode.InseeCode, planned[0]?.request as never)).toEqual({ _tag: "not-held" });
  });
});

describe("the signed bytes", () => {
  it("are the canonical JSON of the response, read back the same", async () => {
    const response: Response.Response = {
      request: "req-2",
      commune,
      outcome: { _tag: "corrected", corrections: [{ person: 0, field: "sex", declared: "M", recorded: "F" }] },
    };
    const text = new TextDecoder().decode(Response.toBytes(response));
    expect(text).toBe(
      '{"commune":"69123","outcome":{"_tag":"corrected","corrections":[{"declared":"M","field":"sex","person":0,"recorded":"F"}]},"request":"req-2"}',
    );
    expect(await Effect.runPromise(Response.fromBytes(Response.toBytes(response)))).toEqual(response);
    const unreadable = await Effect.runPromise(Effect.flip(Response.fromBytes(new TextEncoder().encode('{"request":"x"}'))));
    expect(unreadable._tag).toBe("ResponseUnreadable");
  });
});

describe("who may sign", () => {
  const officer = {
    id: "a1",
    status: "active",
    site: { _tag: "commune", commune: "69123" },
    profile: { _tag: "officer", basis: { _tag: "delegation", arrete: "2026-14", from: "2026-01-01", until: "2026-12-31", mayorTermEndsOn: "2026-12-31" } },
    rights: ["receive-requests", "sign-responses"],
  } as unknown as Agent.State;
  const ruleOf = (agent: Agent.State, day = "2026-06-01") => Signer.refusal(agent, "69123", day)?.rule;

  it("is an active officer of the commune, with the right, under a delegation valid that day", () => {
    expect(ruleOf(officer)).toBeUndefined();
    expect(ruleOf({ ...officer, profile: { _tag: "officer", basis: { _tag: "mayor" } } } as Agent.State)).toBeUndefined();
    expect(ruleOf(officer, "2027-01-01")).toBe("exchange.delegation");
    expect(ruleOf({ ...officer, profile: { _tag: "agent" } } as Agent.State)).toBe("exchange.signer-profile");
    expect(ruleOf({ ...officer, site: { _tag: "commune", commune: "69266" } } as Agent.State)).toBe("exchange.signer-site");
    expect(ruleOf({ ...officer, rights: ["receive-requests"] } as Agent.State)).toBe("exchange.signer-right");
    expect(ruleOf({ ...officer, status: "deactivated" } as Agent.State)).toBe("exchange.signer-status");
  });
});
