/**
 * The OpenAPI 3.1 document of the contract, generated from the same endpoints and Schemas the API
 * validates with: an `operationId` and a success schema for each operation, each declared refusal
 * as `application/problem+json` with its stable code, security per operation, the PKI's binary
 * media types. Nothing here is written by hand per endpoint, so the document cannot drift.
 */
import type { Problem } from "@comedec/actor";
import { JsonSchema, Schema } from "effect";
import { type Any, type ErrorSchema, hasBody } from "./Endpoint.js";
import { definitionOf, errorsOf } from "./Problems.js";

type Json = Record<string, unknown>;

/** Collects the schemas' shared definitions and answers each schema with its references rewritten for OpenAPI. */
const schemas = () => {
  const definitions: Json = {};
  const of = (schema: Schema.Top): Json => {
    const document = Schema.toJsonSchemaDocument(schema, { onExcessProperty: "error" });
    const openApi = JsonSchema.toMultiDocumentOpenApi3_1({ dialect: "draft-2020-12", schemas: [document.schema], definitions: document.definitions });
    Object.assign(definitions, openApi.definitions);
    return openApi.schemas[0] as Json;
  };
  return { of, definitions };
};

/** Follows a `$ref` into the collected definitions. */
const resolve = (schema: Json, definitions: Json): Json => {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  return resolve((definitions[ref.replace("#/components/schemas/", "")] ?? {}) as Json, definitions);
};

const parameters = (of: (schema: Schema.Top) => Json, definitions: Json, schema: Schema.Top, location: "path" | "query") => {
  const root = resolve(of(schema), definitions) as { properties?: Record<string, Json>; required?: ReadonlyArray<string> };
  return Object.entries(root.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || (root.required ?? []).includes(name),
    schema: property,
  }));
};

const problemBase: Json = {
  type: "object",
  required: ["type", "status", "code", "title"],
  properties: {
    type: { type: "string", description: "`urn:comedec:problem:` followed by the code" },
    status: { type: "integer" },
    code: { type: "string", description: "The stable code a client switches on" },
    title: { type: "string" },
    detail: { type: "string" },
  },
};

/** A refusal's problem: the base members, its code as a constant, its fields as extension members. */
const problemSchema = (of: (schema: Schema.Top) => Json, definitions: Json, error: ErrorSchema): Json => {
  const definition = definitionOf(error);
  const fields = resolve(of(error), definitions) as { properties?: Record<string, Json>; required?: ReadonlyArray<string> };
  const { _tag, ...extensions } = fields.properties ?? {};
  return {
    allOf: [
      { $ref: "#/components/schemas/Problem" },
      {
        type: "object",
        properties: { code: { const: definition.code }, status: { const: definition.status }, ...extensions },
        required: (fields.required ?? []).filter((name) => name !== "_tag"),
      },
    ],
    description: definition.title,
  };
};

const mediaSchema = (of: (schema: Schema.Top) => Json, endpointType: string, schema: Schema.Top): Json =>
  endpointType === "application/json" ? of(schema) : { type: "string", contentMediaType: endpointType };

const referenced = (value: unknown, into: Set<string>): Set<string> => {
  if (Array.isArray(value)) for (const item of value) referenced(item, into);
  else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") into.add(item.replace("#/components/schemas/", ""));
      else referenced(item, into);
    }
  }
  return into;
};

/** The definitions the operations reach, directly or through other definitions: the others were inlined. */
const reachable = (paths: unknown, definitions: Json): Json => {
  const kept = new Set<string>();
  const pending = [...referenced(paths, new Set())];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (kept.has(name) || !(name in definitions)) continue;
    kept.add(name);
    pending.push(...referenced(definitions[name], new Set()));
  }
  return Object.fromEntries(Object.entries(definitions).filter(([name]) => kept.has(name)));
};

/** What the document says of the API besides its operations. */
export interface DocumentOptions {
  /** The URL the API is served at (`COMEDEC_PUBLIC_URL`); `/` when the document is read from the API itself. */
  readonly serverUrl?: string;
  readonly version?: string;
}

/** Builds the OpenAPI 3.1 document of the given endpoints. */
export const document = (endpoints: ReadonlyArray<Any>, options: DocumentOptions = {}) => {
  const { of, definitions } = schemas();
  const paths: Record<string, Record<string, unknown>> = {};
  const tags = new Set<string>();
  for (const endpoint of endpoints) {
    tags.add(endpoint.tag);
    const responses: Record<string, unknown> = {
      [String(endpoint.status)]: {
        description: endpoint.summary,
        content: { [endpoint.responseType]: { schema: mediaSchema(of, endpoint.responseType, endpoint.success) } },
      },
    };
    const byStatus = new Map<number, Array<ErrorSchema>>();
    for (const error of errorsOf(endpoint)) {
      const status = definitionOf(error).status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), error]);
    }
    for (const [status, errors] of [...byStatus].sort(([a], [b]) => a - b)) {
      const alternatives = errors.map((error) => problemSchema(of, definitions, error));
      responses[String(status)] = {
        description: errors.map((error) => `\`${definitionOf(error).code}\`: ${definitionOf(error).title}`).join("; "),
        content: { "application/problem+json": { schema: alternatives.length === 1 ? alternatives[0] : { oneOf: alternatives } } },
      };
    }
    const takesBody = hasBody(endpoint);
    paths[endpoint.path] ??= {};
    (paths[endpoint.path] as Record<string, unknown>)[endpoint.method] = {
      operationId: endpoint.operationId,
      summary: endpoint.summary,
      tags: [endpoint.tag],
      security: endpoint.authorization._tag === "public" ? [] : [{ bearer: [] }],
      ...(endpoint.authorization._tag === "permission"
        ? { "x-permission": endpoint.authorization.permission, "x-target": endpoint.authorization.target._tag }
        : {}),
      ...(endpoint.rateLimit === "none" ? {} : { "x-rate-limit": endpoint.rateLimit }),
      parameters: [...parameters(of, definitions, endpoint.params, "path"), ...parameters(of, definitions, endpoint.query, "query")],
      ...(takesBody
        ? { requestBody: { required: true, content: { [endpoint.requestType]: { schema: mediaSchema(of, endpoint.requestType, endpoint.body) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "COMEDEC platform API",
      version: options.version ?? "0.1.0",
      description:
        "The COMEDEC platform: commune onboarding, the agents directory (AGAEC), the card platform (PGCA), the exchange and the RGS 3* PKI. Every refusal is an RFC 9457 problem with a stable `code`.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: options.serverUrl ?? "/", description: "This platform" }],
    tags: [...tags].map((name) => ({ name, description: `Operations on ${name}` })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A card session (`cmdcs_…`, from POST /sessions) or a machine account's or bootstrap token (`cmdc_…`)",
        },
      },
      schemas: { ...reachable(paths, definitions), Problem: problemBase },
    },
  };
};

/** The problem codes of the contract, each once: for the docs and the console's messages. */
export const problemCodes = (endpoints: ReadonlyArray<Any>): ReadonlyArray<Problem.Definition> => {
  const byCode = new Map<string, Problem.Definition>();
  for (const endpoint of endpoints) for (const error of errorsOf(endpoint)) byCode.set(definitionOf(error).code, definitionOf(error));
  return [...byCode.values()];
};
