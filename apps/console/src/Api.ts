/**
 * The console's calls to the platform, only through the contract's typed caller
 * (`@comedec/api-client`): the path, query and body come from the endpoint and are encoded by its
 * Schemas, the answer is decoded by its success Schema, a problem comes back as the tagged error
 * the endpoint declares. The page's own origin is the API's (the console is served at /console),
 * and the session's token is passed per call: it lives in memory only (ADR 0017).
 */
import { Caller } from "@comedec/api-client";
import type { Endpoint } from "@comedec/http-contract";
import { Effect, Exit } from "effect";
import { type Refusal, refusalOf } from "./Messages.js";

/** What a call answers: the endpoint's success, or a refusal with its French message. */
export type Outcome<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly refusal: Refusal };

/** The platform could not be reached or answered outside the contract. */
class Unreachable {
  readonly _tag = "Unreachable";
  constructor(readonly reason: string) {}
}

/** Calls `endpoint` with `input`, as the holder of `token` (none for the public endpoints). */
export const call = async <E extends Endpoint.Any>(endpoint: E, input: Caller.CallInput<E>, token?: string): Promise<Outcome<Endpoint.SuccessOf<E>>> => {
  const caller = Caller.make({ baseUrl: "", ...(token === undefined ? {} : { token }) }, (reason) => new Unreachable(reason));
  const exit = await Effect.runPromiseExit(caller.call(endpoint, input));
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value };
  const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail");
  return { ok: false, refusal: refusalOf(failure === undefined ? undefined : (failure as { readonly error: unknown }).error) };
};
