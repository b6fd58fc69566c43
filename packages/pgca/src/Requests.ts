/**
 * A holder's requests (a new card, a renewal, a revocation, an unblock) and their validation by
 * another operator of the site, who carries them out: validating a new-card request orders the
 * card, a revocation revokes at once. The holder may withdraw a request still pending.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name this type (TS2742 otherwise)
import type { Change } from "@comedec/actor";
import { AgentStore } from "@comedec/agent";
import { type Card, CardNotifications, CardStore, type Request } from "@comedec/card";
import { Access, Rules } from "@comedec/rgs";
import { Effect } from "effect";
import * as OperatorCards from "./OperatorCards.js";
import * as Ordering from "./Ordering.js";
import * as Personalisation from "./Personalisation.js";
import type { CardView, RequestInput } from "./Platform.js";
import * as Reach from "./Reach.js";
import * as Renewal from "./Renewal.js";
import * as Writes from "./Writes.js";

/** A holder files a request for themselves, or for one of their cards; the site's operators are told. */
export const submit = Effect.fn("Requests.submit")(function* (grant: Access.Grant<"card.request">, input: RequestInput) {
  yield* Access.require(grant, "card.request");
  const actor = grant.actor;
  const card = input.card === undefined ? undefined : (yield* (yield* CardStore).load(input.card)).state;
  // An operator may file the revocation of another holder's card of their site: another operator
  // validates it (dual control), each from their own session.
  const byOperator = card !== undefined && card.holder !== actor.id;
  if (card !== undefined && byOperator) {
    if (input.kind !== "revocation" || actor.role === "agent") return yield* Reach.forbidden(grant, card.site, "a holder requests for their own cards only");
    const operating = yield* Access.authorize(actor, "card.operate", Access.siteTarget(card.site));
    yield* Reach.card(operating, card);
  }
  const holder = byOperator ? (yield* (yield* AgentStore).load((card as Card.State).holder)).state : yield* Reach.activeHolder(actor.id);
  const site = byOperator ? (card as Card.State).site : holder.site;
  if (!byOperator) yield* Access.covers(grant, Access.siteTarget(site));
  // Whether the card is an operator's card is recorded as things stand now: stripping the
  // holder's rights before the validation changes nothing.
  const operatorCard = input.kind === "revocation" && card !== undefined ? OperatorCards.isOperatorCard(card, holder) : undefined;
  const write = yield* Writes.request(
    undefined,
    {
      _tag: "Submit",
      id: Writes.newId(),
      kind: input.kind,
      origin: byOperator ? "operator" : "holder",
      holder: holder.id,
      site,
      reason: input.reason,
      ...(input.card === undefined ? {} : { card: input.card }),
      ...(input.revocationReason === undefined ? {} : { revocationReason: input.revocationReason }),
      ...(operatorCard === undefined ? {} : { operatorCard }),
    },
    actor,
  );
  yield* Writes.commit(actor, [], [write]);
  yield* (yield* CardNotifications).send({
    site,
    kind: "request-waiting",
    subject: "COMEDEC — une demande de carte attend votre validation",
    body: `Demande ${write.state.id} (${input.kind}) : ${input.reason}`,
  });
  return { state: write.state, version: 1 };
});

/** Validates a request and carries it out: orders the card, orders its replacement, or revokes it. */
export const validate = Effect.fn("Requests.validate")(function* (grant: Access.Grant<"card.validate">, id: string, reason: string) {
  yield* Access.require(grant, "card.validate");
  const actor = grant.actor;
  const store = yield* CardStore;
  const view = yield* Reach.loadRequest(grant, id);
  const request = view.state;
  yield* Rules.enforce(Rules.rules.fourEyes, { decidedBy: actor.id, requestedBy: request.requestedBy, concerns: request.holder });
  yield* Writes.request(view, { _tag: "Validate", reason }, actor);
  const card = request.card === undefined ? undefined : yield* store.load(request.card);
  const cardWrites: Array<Writes.CardWrite> = [];
  let orderedCard: string | undefined;
  switch (request.kind) {
    case "new-card":
    case "card-renewal": {
      // Carrying out a card's order takes the permission to order it, on the request's site.
      const ordering = yield* Access.authorize(actor, "card.order", Access.siteTarget(request.site));
      const write =
        request.kind === "new-card"
          ? yield* Ordering.orderWrite(ordering, request.holder, { request: id, reason })
          : yield* Renewal.renewalWrite(ordering, card as CardView, { request: id, reason });
      cardWrites.push(write);
      orderedCard = write.state.id;
      break;
    }
    case "revocation":
      // An operator's card (as recorded when the request was filed) is revoked by two distinct people.
      if (request.operatorCard === true || (card !== undefined && card.state.operatorCard === true)) {
        yield* Rules.enforce(Rules.rules.dualControl, { operation: "the revocation of an operator's card", confirmedBy: [request.requestedBy, actor.id] });
      }
      cardWrites.push(yield* Writes.card(card as CardView, { _tag: "Revoke", revocationReason: request.revocationReason ?? "unspecified", reason }, actor));
      break;
    default:
      break;
  }
  const validated = yield* Writes.request(view, { _tag: "Validate", reason, ...(orderedCard === undefined ? {} : { orderedCard }) }, actor);
  // A revocation is carried out at once; a card is fulfilled when published, the others by their operation.
  const final =
    request.kind === "revocation"
      ? yield* Writes.request({ state: validated.state, version: validated.expectedVersion + validated.events.length }, { _tag: "Fulfil", reason }, actor)
      : undefined;
  const requestWrite = final === undefined ? validated : { ...final, expectedVersion: view.version, events: [...validated.events, ...final.events] };
  const revocations =
    request.kind === "revocation" && card !== undefined ? [yield* Personalisation.revocationOf(card.state, request.revocationReason ?? "unspecified")] : [];
  yield* Writes.commit(actor, cardWrites, [requestWrite], revocations);
  yield* Personalisation.publishRevocations(revocations);
  return { state: requestWrite.state, version: view.version + requestWrite.events.length };
});

const decideRequest = Effect.fnUntraced(function* (grant: Access.Grant<Access.Permission>, id: string, command: Request.Command) {
  const view = yield* Reach.loadRequest(grant, id);
  const write = yield* Writes.request(view, command, grant.actor);
  yield* Writes.commit(grant.actor, [], [write]);
  return { state: write.state, version: view.version + write.events.length };
});

/** Rejects a pending request. */
export const reject = Effect.fn("Requests.reject")(function* (grant: Access.Grant<"card.validate">, id: string, reason: string) {
  yield* Access.require(grant, "card.validate");
  const view = yield* Reach.loadRequest(grant, id);
  yield* Rules.enforce(Rules.rules.fourEyes, { decidedBy: grant.actor.id, requestedBy: view.state.requestedBy, concerns: view.state.holder });
  return yield* decideRequest(grant, id, { _tag: "Reject", reason });
});

/** The holder withdraws a pending request. */
export const cancel = Effect.fn("Requests.cancel")(function* (grant: Access.Grant<"card.request">, id: string, reason: string) {
  yield* Access.require(grant, "card.request");
  return yield* decideRequest(grant, id, { _tag: "Cancel", reason });
});
