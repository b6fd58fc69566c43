/**
 * The contract keeps its own promises: unique operationIds and routes, path templates that match
 * their params Schema, commune targets that name a field the request has, refusals that all carry
 * a problem annotation with a distinct code, and an OpenAPI document that lists every endpoint.
 */
import { Problem } from "@comedec/actor";
import { Access } from "@comedec/rgs";
import { Schema } from "effect";
import { describe, expect, it } from "vitest";
import { Contract, Endpoint, OpenApi, Problems } from "../src/index.js";

const fieldsOf = (schema: Schema.Top): ReadonlyArray<string> => {
  const document = Schema.toJsonSchemaDocument(schema);
  const root = (typeof document.schema.$ref === "string" ? document.definitions[document.schema.$ref.replace("#/$defs/", "")] : document.schema) as {
    properties?: Record<string, unknown>;
  };
  return Object.keys(root?.properties ?? {});
};

describe("the HTTP contract", () => {
  const endpoints = Contract.endpoints as ReadonlyArray<Endpoint.Any>;

  it("names every endpoint once, by operationId and by method and path", () => {
    const ids = endpoints.map((endpoint) => endpoint.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const routes = endpoints.map((endpoint) => `${endpoint.method} ${endpoint.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
  });

  it("declares a params Schema with exactly the path's parameters", () => {
    for (const endpoint of endpoints) {
      const inPath = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      expect({ endpoint: endpoint.operationId, params: [...fieldsOf(endpoint.params)].sort() }).toEqual({ endpoint: endpoint.operationId, params: inPath });
    }
  });

  it("takes a commune target from a field its request has, and names permissions of the policy", () => {
    for (const endpoint of endpoints) {
      const required = Endpoint.permissionOf(endpoint);
      if (required === undefined) continue;
      expect(Access.Permission.literals).toContain(required.permission);
      if (required.target._tag !== "commune") continue;
      const schema = required.target.in === "params" ? endpoint.params : required.target.in === "query" ? endpoint.query : endpoint.body;
      expect({ endpoint: endpoint.operationId, has: fieldsOf(schema).includes(required.target.field) }).toEqual({ endpoint: endpoint.operationId, has: true });
    }
  });

  it("declares only refusals that carry a problem, one class per code", () => {
    const classByCode = new Map<string, unknown>();
    for (const endpoint of endpoints) {
      for (const error of Problems.errorsOf(endpoint)) {
        const definition = Problem.of(error);
        expect({ endpoint: endpoint.operationId, annotated: definition !== undefined }).toEqual({ endpoint: endpoint.operationId, annotated: true });
        const code = (definition as Problem.Definition).code;
        expect(code).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
        expect(classByCode.get(code) ?? error).toBe(error);
        classByCode.set(code, error);
      }
    }
  });

  it("names no refusal field after a member of the problem itself (a client could not rebuild the error)", () => {
    const members = new Set(["type", "status", "code", "title", "detail", "instance"]);
    for (const endpoint of endpoints) {
      for (const error of Problems.errorsOf(endpoint)) {
        const clashes = fieldsOf(error).filter((field) => members.has(field));
        expect({ error: Problems.definitionOf(error).code, clashes }).toEqual({ error: Problems.definitionOf(error).code, clashes: [] });
      }
    }
  });

  it("adds the refusals an endpoint implies: unauthenticated unless public, forbidden with a permission, rate-limited with a limit", () => {
    for (const endpoint of endpoints) {
      const codes = Problems.errorsOf(endpoint).map((error) => Problems.definitionOf(error).code);
      expect(codes.includes("unauthenticated")).toBe(endpoint.authorization._tag !== "public");
      expect(codes.includes("forbidden")).toBe(
        endpoint.authorization._tag === "permission" || endpoint.errors.some((error) => Problems.definitionOf(error).code === "forbidden"),
      );
      expect(codes.includes("rate-limited")).toBe(endpoint.rateLimit !== "none");
    }
  });

  it("limits every endpoint whose body takes a secret: an activation code, a PIN, a PUK or secret answers", () => {
    const secretFields = new Set(["activationCode", "pin", "newPin", "puk", "answers", "answer"]);
    // The field names of a body, found anywhere in its schema (nested structs, unions, arrays).
    const fieldNames = (ast: unknown, seen = new Set<unknown>()): Array<string> => {
      if (typeof ast !== "object" || ast === null || seen.has(ast)) return [];
      seen.add(ast);
      const own = Array.isArray((ast as { propertySignatures?: unknown }).propertySignatures)
        ? (ast as { propertySignatures: ReadonlyArray<{ name: unknown }> }).propertySignatures.flatMap((property) =>
            typeof property.name === "string" ? [property.name] : [],
          )
        : [];
      return [...own, ...Object.values(ast).flatMap((value) => fieldNames(value, seen))];
    };
    const takingSecrets = endpoints.filter((endpoint) => fieldNames((endpoint.body as { ast?: unknown }).ast).some((name) => secretFields.has(name)));
    expect(takingSecrets.map((endpoint) => endpoint.operationId)).toEqual(
      expect.arrayContaining(["startCardHandOver", "createCardUnblockTicket", "revokeCard", "setSecretQuestions"]),
    );
    expect(takingSecrets.filter((endpoint) => endpoint.rateLimit !== "code-entry").map((endpoint) => endpoint.operationId)).toEqual([]);
  });

  it("documents every endpoint in OpenAPI 3.1 with its operationId", () => {
    const document = OpenApi.document(endpoints, { serverUrl: "https://comedec.example.gouv.fr" });
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: "https://comedec.example.gouv.fr", description: "This platform" }]);
    const ids = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((operation) => (operation as { operationId: string }).operationId),
    );
    expect(new Set(ids)).toEqual(new Set(endpoints.map((endpoint) => endpoint.operationId)));
  });
});
