/**
 * The OpenAPI 3.1 document, generated from the same endpoint definitions and Schemas that
 * validate the requests (Effect's JSON Schema generator), and a docs page that renders it.
 */
import { type Schema, Schema as S } from "effect";
import type { Endpoint } from "./Endpoint.js";

const jsonSchema = (schema: Schema.Top) => {
  const document = S.toJsonSchemaDocument(schema);
  return { schema: document.schema, definitions: document.definitions };
};

const parameters = (schema: Schema.Top | undefined, location: "path" | "query") => {
  if (schema === undefined) return [];
  const { schema: root } = jsonSchema(schema) as { schema: { properties?: Record<string, unknown>; required?: ReadonlyArray<string> } };
  return Object.entries(root.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || (root.required ?? []).includes(name),
    schema: property,
  }));
};

const problem = {
  description: "Problem (RFC 9457), with a stable `code`",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

/** Builds the OpenAPI document of the given endpoints. */
export const document = (endpoints: ReadonlyArray<Endpoint<unknown>>) => {
  const definitions: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    let requestBody: unknown;
    if (endpoint.body !== undefined) {
      const body = jsonSchema(endpoint.body);
      Object.assign(definitions, body.definitions);
      requestBody = { required: true, content: { "application/json": { schema: body.schema } } };
    }
    paths[endpoint.path] ??= {};
    (paths[endpoint.path] as Record<string, unknown>)[endpoint.method] = {
      summary: endpoint.summary,
      tags: [endpoint.tag],
      security: endpoint.public === true ? [] : [{ bearer: [] }],
      parameters: [...parameters(endpoint.params, "path"), ...parameters(endpoint.query, "query")],
      ...(requestBody === undefined ? {} : { requestBody }),
      responses: { [String(endpoint.status ?? 200)]: { description: "Success" }, "4XX": problem, "5XX": problem },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "COMEDEC platform API", version: "0.1.0", license: { name: "Apache-2.0", identifier: "Apache-2.0" } },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        ...definitions,
        Problem: {
          type: "object",
          required: ["type", "status", "code", "title"],
          properties: {
            type: { type: "string" },
            status: { type: "integer" },
            code: { type: "string" },
            title: { type: "string" },
            detail: { type: "string" },
          },
        },
      },
    },
  };
};

/** An interactive docs page (Scalar) over /openapi.json. */
export const docsPage = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>COMEDEC — API</title></head>
<body><script id="api-reference" data-url="/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script></body></html>`;
