/**
 * The card platform over HTTP, for editors' software: the `CardPlatform` port of `@comedec/pgca`
 * implemented against the deployed API with one actor's bearer token. Every call is derived from
 * the HTTP contract (path, query, body and answer by its Schemas; refusals back as the tagged
 * errors the endpoint declares, the same classes the local platform raises), so code written
 * against the port runs on either — the contract suite checks both.
 */
import { Problem, type Site } from "@comedec/actor";
import { Caller } from "@comedec/api-client";
import type { InseeCode } from "@comedec/commune";
import { Contract, type Endpoint, Problems } from "@comedec/http-contract";
import { CardPlatform, type CardPlatformShape, CardPlatformUnavailable, type PlatformError, type SiteFilter } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";

const { Cards, CardRequests } = Contract;

/** Where the API is and who calls it. */
export type ClientOptions = Caller.ClientOptions;

/**
 * Whether a refusal is one the API may answer to any request (it did not accept the request, the
 * token, or was stopping) and the port does not know: but for `Forbidden`, which the port declares.
 */
const isUnaccepted = (endpoint: Endpoint.Any, error: unknown): boolean =>
  Problems.implicitErrors(endpoint).some((schema) => schema !== Access.Forbidden && Schema.is(schema)(error));

const unavailableOf = (error: unknown): CardPlatformUnavailable => {
  const definition = Problem.ofError(error);
  const detail = definition === undefined ? undefined : Problem.detailOf(definition, error as Readonly<Record<string, unknown>>);
  return new CardPlatformUnavailable({ reason: `HTTP ${definition?.status ?? ""} ${definition?.code ?? ""}: ${detail ?? definition?.title ?? ""}` });
};

// A listing's site as its query: the filter's one key, the commune as the contract's INSEE code.
// The port takes plain codes; the contract's Schemas check them when the query is encoded.
const siteQuery = (
  filter: SiteFilter,
): { readonly commune?: InseeCode.InseeCode; readonly prefecture?: Site.DepartementCode; readonly departement?: Site.DepartementCode } =>
  "commune" in filter
    ? { commune: filter.commune as InseeCode.InseeCode }
    : "prefecture" in filter
      ? { prefecture: filter.prefecture as Site.DepartementCode }
      : "departement" in filter
        ? { departement: filter.departement as Site.DepartementCode }
        : {};

/** The card platform over HTTP, for the actor whose token is given. */
export const make = (options: ClientOptions): CardPlatformShape => {
  const caller = Caller.make(options, (reason) => new CardPlatformUnavailable({ reason }));
  // The port's refusals as they are; what only the HTTP edge answers means the platform could not serve the call.
  const call = <E extends Endpoint.Any>(endpoint: E, input: Caller.CallInput<E>): Effect.Effect<Endpoint.SuccessOf<E>, PlatformError> =>
    Effect.mapError(caller.call(endpoint, input), (error) => (isUnaccepted(endpoint, error) ? unavailableOf(error) : (error as PlatformError)));

  return {
    order: (input) => call(Cards.order, { body: input }),
    startProduction: (id, reason) => call(Cards.startProduction, { params: { id }, body: { reason } }),
    ship: (id, reason) => call(Cards.ship, { params: { id }, body: { reason } }),
    receive: (id, serial, reason) => call(Cards.receive, { params: { id }, body: { serial, reason } }),
    triggerConnection: (commune, reason) => call(Cards.triggerConnection, { params: { code: commune as InseeCode.InseeCode }, body: { reason } }),
    setSecretQuestions: (holder, questions) => call(Cards.setSecretQuestions, { params: { id: holder }, body: { questions } }),
    secretQuestions: (holder) => Effect.map(call(Cards.getSecretQuestions, { params: { id: holder } }), (answer) => answer.questions),
    revoke: (id, input) => call(Cards.revoke, { params: { id }, body: input }),
    approvePersonalisation: (id, reason) => call(Cards.approvePersonalisation, { params: { id }, body: { reason } }),
    renew: (id, reason) => call(Cards.renew, { params: { id }, body: { reason } }),
    submitRequest: (input) => call(CardRequests.submit, { body: input }),
    validateRequest: (id, reason) => call(CardRequests.validate, { params: { id }, body: { reason } }),
    rejectRequest: (id, reason) => call(CardRequests.reject, { params: { id }, body: { reason } }),
    cancelRequest: (id, reason) => call(CardRequests.cancel, { params: { id }, body: { reason } }),
    card: (id) => call(Cards.get, { params: { id } }),
    request: (id) => call(CardRequests.get, { params: { id } }),
    holders: (filter) => Effect.map(call(Cards.holders, { query: siteQuery(filter) }), (answer) => answer.items),
    requests: (filter, status) =>
      Effect.map(call(CardRequests.list, { query: { ...siteQuery(filter), ...(status === undefined ? {} : { status }) } }), (answer) => answer.items),
    expiring: (filter, days) => Effect.map(call(Cards.list, { query: { ...siteQuery(filter), expiringWithinDays: days } }), (answer) => answer.items),
  };
};

/** The `CardPlatform` port over HTTP. */
export const layer = (options: ClientOptions): Layer.Layer<CardPlatform> => Layer.succeed(CardPlatform, CardPlatform.of(make(options)));
