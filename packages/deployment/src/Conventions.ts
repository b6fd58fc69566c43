/**
 * Use cases of the conventions: a commune submits one, ANTS records its receipt, validates or
 * rejects it, and works through its queue across communes (narrowed, for a role whose reading
 * reaches only its own site, to that site: a prefecture its département, a mairie itself). The id of a new convention is chosen here (a UUID) so a retried submission by the
 * caller is a new convention, not a silent merge.
 */
import type { Change } from "@comedec/actor";
import { CalendarDate } from "@comedec/commune";
import { Convention, type ConventionNotFound, type ConventionSnapshot, ConventionStore, type QueueQuery } from "@comedec/convention";
import { Access } from "@comedec/rgs";
import { Clock, Effect, Result } from "effect";
import { randomUUID } from "node:crypto";

// Each use case checks its grant first: one the policy did not make, or for another permission, is
// refused with `Forbidden` (which the API answers as a 403), never a silent pass.

const decideAndAppend = Effect.fnUntraced(function* (
  grant: Access.Grant<"convention.submit" | "convention.process">,
  state: Convention.State | undefined,
  version: number,
  command: Convention.Command,
) {
  const store = yield* ConventionStore;
  const today = CalendarDate.ofInstant(new Date(yield* Clock.currentTimeMillis));
  const decision = Convention.decide(state, command, { actor: grant.actor, today });
  if (Result.isFailure(decision)) return yield* Effect.fail(decision.failure);
  const next = decision.success.reduce<Convention.State | undefined>(Convention.evolve, state) as Convention.State;
  return yield* store.append({ expectedVersion: version, state: next, events: decision.success, actor: grant.actor });
});

/** Submits a signed convention for the granted commune. */
export const submit = (
  grant: Access.Grant<"convention.submit", "commune">,
  terms: Convention.Terms,
): Effect.Effect<ConventionSnapshot, Convention.ConventionError | Change.ConcurrentModification | Access.Forbidden, ConventionStore> =>
  Effect.andThen(Access.require(grant, "convention.submit"), decideAndAppend(grant, undefined, 0, Convention.Submit.make({ id: randomUUID(), terms })));

/** Applies an ANTS decision (receipt, validation, rejection) to a convention. */
export const process = Effect.fnUntraced(function* (
  grant: Access.Grant<"convention.process">,
  id: string,
  command: typeof Convention.RecordReceipt.Type | typeof Convention.Validate.Type | typeof Convention.Reject.Type,
  expectedVersion?: number,
): Effect.fn.Return<ConventionSnapshot, Convention.ConventionError | Change.ConcurrentModification | ConventionNotFound | Access.Forbidden, ConventionStore> {
  yield* Access.require(grant, "convention.process");
  const snapshot = yield* (yield* ConventionStore).load(id);
  return yield* decideAndAppend(grant, snapshot.state, expectedVersion ?? snapshot.version, command);
});

/** One convention. */
export const find = (id: string) => ConventionStore.use((store) => store.load(id));

/** The conventions of a commune. */
export const ofCommune = (commune: string) => ConventionStore.use((store) => store.listByCommune(commune));

/** What the queue is asked: `pending` stands for the conventions ANTS must still act on. */
export interface QueueRequest {
  readonly status?: "pending" | Convention.Status;
  readonly departement?: string;
  readonly commune?: string;
  readonly after?: number;
  readonly limit?: number;
}

// A grant reaching only the actor's own site narrows the queue to it; a site that holds no
// convention (an editor's) sees none.
const narrowed = (grant: Access.Grant<"convention.read">, query: QueueQuery): QueueQuery | undefined => {
  if (grant.reach === "everywhere") return query;
  const site = grant.actor.site;
  if (site._tag === "prefecture")
    return query.departement === undefined || query.departement === site.departement ? { ...query, departement: site.departement } : undefined;
  if (site._tag === "commune") return query.commune === undefined || query.commune === site.commune ? { ...query, commune: site.commune } : undefined;
  return undefined;
};

/** ANTS's queue: the conventions across communes, oldest submission first, by pages, within the grant's reach. */
export const queue = Effect.fnUntraced(function* (grant: Access.Grant<"convention.read">, request: QueueRequest) {
  yield* Access.require(grant, "convention.read");
  const statuses: ReadonlyArray<Convention.Status> | undefined =
    request.status === undefined ? undefined : request.status === "pending" ? ["incomplete", "received"] : [request.status];
  const query = narrowed(grant, {
    ...(statuses === undefined ? {} : { statuses }),
    ...(request.departement === undefined ? {} : { departement: request.departement }),
    ...(request.commune === undefined ? {} : { commune: request.commune }),
    ...(request.after === undefined ? {} : { after: request.after }),
    limit: request.limit ?? 50,
  });
  if (query === undefined) return { items: [], next: undefined };
  return yield* (yield* ConventionStore).queue(query);
});
