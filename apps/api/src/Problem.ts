/**
 * The one place where tagged errors become HTTP: RFC 9457 problem+json with the status, stable
 * `code` and title the error's class is annotated with (`@comedec/actor` Problem). Fields of the
 * error travel as extension members, so a client can read which milestone is missing or which
 * state refused a transition. An error without an annotation, and any defect, is a 500 that shows
 * no stack trace.
 */
import { Availability, Problem } from "@comedec/actor";
import { Problems } from "@comedec/http-contract";
import type { Cause } from "effect";

/** The problem+json body of a tagged error; `undefined` when its class declares no problem. */
export const bodyOf = (error: { readonly _tag: string }): (Record<string, unknown> & { readonly status: number }) | undefined => {
  const definition = Problem.ofError(error);
  if (definition === undefined) return undefined;
  const { _tag, stack, message, ...fields } = { ...error } as Record<string, unknown> & { _tag: string };
  const detail = Problem.detailOf(definition, fields);
  return {
    type: `urn:comedec:problem:${definition.code}`,
    ...fields,
    status: definition.status,
    code: definition.code,
    title: definition.title,
    ...(detail === undefined ? {} : { detail }),
  };
};

/** The Response of a tagged error (a 500 when it declares no problem). */
export const toResponse = (error: { readonly _tag: string }, headers: Readonly<Record<string, string>> = {}): Response => {
  const body = bodyOf(error) ?? (bodyOf(new Problems.InternalError()) as Record<string, unknown> & { readonly status: number });
  return new Response(JSON.stringify(body), { status: body.status, headers: { "content-type": "application/problem+json", ...headers } });
};

/** A request that does not validate. */
export const invalidRequest = (reason: string) => new Problems.InvalidRequest({ reason });
/** A body that is not JSON. */
export const malformedJson = () => new Problems.MalformedJson();
/** A body over the limit. */
export const bodyTooLarge = (limit: number) => new Problems.BodyTooLarge({ limit });
/** Too many requests of a kind from one client. */
export const rateLimited = (kind: string, retryAfterSeconds: number) => new Problems.RateLimited({ kind, retryAfterSeconds });
/** No such route. */
export const notFound = () => new Problems.RouteNotFound();
/** Anything unexpected; the cause goes to the log, never to the client. */
export const internal = () => new Problems.InternalError();
/** The server is stopping. */
export const shuttingDown = () => new Problems.ShuttingDown();

/**
 * The database's absence in a failed request, wherever the adapter's classification travels: as
 * an error, or as the defect of a port that declares no such error (or its cause, one level down).
 * A restart is answered 503 with Retry-After, never as a bug.
 */
export const databaseUnavailable = (cause: Cause.Cause<unknown>): Availability.DatabaseUnavailable | undefined => {
  for (const reason of cause.reasons) {
    const value: unknown = reason._tag === "Fail" ? reason.error : reason._tag === "Die" ? reason.defect : undefined;
    const candidates = [value, (value as { readonly cause?: unknown } | undefined)?.cause];
    const found = candidates.find(Availability.isDatabaseUnavailable);
    if (found !== undefined) return found;
  }
  return undefined;
};
