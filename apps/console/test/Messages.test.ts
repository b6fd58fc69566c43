/**
 * Every problem code a person of the console may meet has a French message: each code the OpenAPI
 * document declares (read from the served document's problem schemas, `code: { const }`), each
 * refusal of the card agent's local interface, and the console's own. A new code without a
 * message fails here, before it reaches a person as an English title.
 */
import { Problem } from "@comedec/actor";
import * as CardAgent from "@comedec/card-agent";
import { Contract, OpenApi } from "@comedec/http-contract";
import { describe, expect, it } from "vitest";
import { messages, refusalOf, refusalOfProblem } from "../src/Messages.js";

/** Every `code: { const }` of a JSON document. */
const constCodes = (value: unknown, found: Set<string> = new Set()): Set<string> => {
  if (Array.isArray(value)) for (const item of value) constCodes(item, found);
  else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const code = record.code as { readonly const?: unknown } | undefined;
    if (typeof code?.const === "string") found.add(code.const);
    for (const member of Object.values(record)) constCodes(member, found);
  }
  return found;
};

/** The card agent's refusals: its exported error classes with a problem annotation. */
const agentCodes = Object.values(CardAgent).flatMap((exported) => {
  const definition = typeof exported === "function" ? Problem.of(exported as never) : undefined;
  return definition === undefined ? [] : [definition.code];
});

const french =
  /[éèàçêâôûùî]|^(Le |La |Les |L'|Un |Une |Aucun|Cette|Ce |Votre|Vous|Trop|Personne|Refusé|Attention|Code|Commune|Agent|Carte|Demande|Convention|Éditeur)/;

describe("the console's French messages", () => {
  const document = OpenApi.document(Contract.endpoints);
  const documentCodes = [...constCodes(document)].sort();

  it("has one for every problem code of the OpenAPI document", () => {
    expect(documentCodes.length).toBeGreaterThan(50);
    expect(documentCodes).toEqual(
      OpenApi.problemCodes(Contract.endpoints)
        .map((definition) => definition.code)
        .sort(),
    );
    expect(documentCodes.filter((code) => messages[code] === undefined)).toEqual([]);
  });

  it("has one for every refusal of the card agent", () => {
    expect(agentCodes).toEqual(expect.arrayContaining(["agent-host-refused", "agent-origin-refused", "agent-pairing-missing", "agent-ticket-replayed"]));
    expect(agentCodes.filter((code) => messages[code] === undefined)).toEqual([]);
  });

  it("speaks French in every message", () => {
    expect(Object.entries(messages).filter(([, message]) => !french.test(message))).toEqual([]);
  });

  it("turns a refusal back into its code and message, with the tries left", () => {
    expect(refusalOfProblem({ code: "pin-incorrect", triesLeft: 2 })).toEqual({ code: "pin-incorrect", message: "Code PIN erroné. Essais restants : 2." });
    expect(refusalOfProblem({ code: "something-new" }).code).toBe("internal-error");
    expect(refusalOf(undefined)).toEqual({ code: "unreachable", message: messages.unreachable });
  });
});
