/**
 * How a tagged error is answered over HTTP (RFC 9457): its status, its stable code and its title,
 * declared once as an annotation on the error's class — the shape of Effect HttpApi's
 * `httpApiStatus`. The API's problem mapping, the OpenAPI document and the typed clients all read
 * it here, so an error that has no annotation cannot be declared by an endpoint.
 */
import { Schema, SchemaAST } from "effect";

/** The problem an error class is answered with. */
export interface Definition {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  /** The human-readable `detail` made from the error's fields; by default its `reason` field. */
  readonly detail?: (fields: Readonly<Record<string, unknown>>) => string | undefined;
}

declare module "effect/Schema" {
  namespace Annotations {
    interface Augment {
      /** The RFC 9457 problem this error is answered with (`@comedec/actor` Problem). */
      readonly problem?: Definition | undefined;
    }
  }
}

/**
 * The annotations of an error class answered with this problem. `detail` receives the error's
 * fields, typed by the caller: `annotation<{ missing: ReadonlyArray<string> }>(…)`.
 */
export const annotation = <Fields = Readonly<Record<string, unknown>>>(
  status: number,
  code: string,
  title: string,
  detail?: (fields: Fields) => string | undefined,
): { readonly problem: Definition } => ({
  problem: detail === undefined ? { status, code, title } : { status, code, title, detail: detail as unknown as NonNullable<Definition["detail"]> },
});

const resolveProblem = SchemaAST.resolveAt<Definition>("problem");

/** The problem an error schema (a `Schema.TaggedError` class) is declared with, if any. */
export const of = (schema: Schema.Top): Definition | undefined => resolveProblem(schema.ast);

/** The class of an error instance, when it is a Schema class. */
const schemaOf = (error: object): Schema.Top | undefined => {
  const errorClass = (error as { readonly constructor?: unknown }).constructor;
  return Schema.isSchema(errorClass) ? errorClass : undefined;
};

/** The problem a tagged error instance is declared with, if any. */
export const ofError = (error: unknown): Definition | undefined => {
  if (typeof error !== "object" || error === null) return undefined;
  const schema = schemaOf(error);
  return schema === undefined ? undefined : of(schema);
};

/** The `detail` of an error: its definition's, or its `reason` field. */
export const detailOf = (definition: Definition, fields: Readonly<Record<string, unknown>>): string | undefined =>
  definition.detail !== undefined ? definition.detail(fields) : typeof fields.reason === "string" ? fields.reason : undefined;
