/**
 * Handlers of the card platform (PGCA): cards from order to revocation, holders' secret questions,
 * card requests, tracking views, the connection of a commune and the site's mailbox. Each handler
 * runs one use case of `@comedec/pgca` with the grant its endpoint's permission was authorised
 * with; the use case checks the site of the record it acts on. The use cases' errors are what the
 * endpoints declare: the compiler checks each one.
 */
import { Card, CardNotifications, Request } from "@comedec/card";
import type { InseeCode } from "@comedec/commune";
import { Contract } from "@comedec/http-contract";
import { ActivationLetters, Ordering, Production, Publication, Renewal, Requests, Revocation, SecretQuestions, type SiteFilter, Tracking } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Cards, CardRequests, Mailbox } = Contract;

const siteFilterOf = (query: { readonly commune?: string; readonly prefecture?: string; readonly departement?: string }): SiteFilter =>
  query.commune !== undefined
    ? { commune: query.commune }
    : query.prefecture !== undefined
      ? { prefecture: query.prefecture }
      : query.departement !== undefined
        ? { departement: query.departement }
        : {};

const order = Handler.handle(Cards.order, ({ grant, body }) => Ordering.order(grant, body));

const list = Handler.handle(Cards.list, ({ grant, query }) =>
  Effect.map(
    query.expiringWithinDays === undefined
      ? Effect.map(Tracking.holders(grant, siteFilterOf(query)), (holders) => holders.flatMap((holder) => holder.cards))
      : Tracking.expiring(grant, siteFilterOf(query), query.expiringWithinDays),
    (items) => ({ items }),
  ),
);

const one = Handler.handle(Cards.get, ({ grant, params }) => Tracking.card(grant, params.id));

const startProduction = Handler.handle(Cards.startProduction, ({ grant, params, body }) => Production.startProduction(grant, params.id, body.reason));

const ship = Handler.handle(Cards.ship, ({ grant, params, body }) => Production.ship(grant, params.id, body.reason));

const activationLetter = Handler.handle(Cards.activationLetter, ({ grant, params }) => ActivationLetters.produce(grant, params.id));

const receive = Handler.handle(Cards.receive, ({ grant, params, body }) => Production.receive(grant, params.id, body.serial, body.reason));

const revoke = Handler.handle(Cards.revoke, ({ grant, params, body }) => Revocation.revoke(grant, params.id, body));

const approvePersonalisation = Handler.handle(Cards.approvePersonalisation, ({ grant, params, body }) =>
  Publication.approvePersonalisation(grant, params.id, body.reason),
);

const renew = Handler.handle(Cards.renew, ({ grant, params, body }) => Renewal.renew(grant, params.id, body.reason));

const holders = Handler.handle(Cards.holders, ({ grant, query }) => Effect.map(Tracking.holders(grant, siteFilterOf(query)), (items) => ({ items })));

const setQuestions = Handler.handle(Cards.setSecretQuestions, ({ grant, params, body }) => SecretQuestions.set(grant, params.id, body.questions));

const getQuestions = Handler.handle(Cards.getSecretQuestions, ({ grant, params }) =>
  Effect.map(SecretQuestions.questions(grant, params.id), (questions) => ({ questions })),
);

const connection = Handler.handle(Cards.triggerConnection, ({ grant, body }) => Production.triggerConnection(grant, body.reason));

const machines = Handler.handle(Cards.stateMachines, () => Effect.succeed({ card: Card.machine, request: Request.machine }));

const submitRequest = Handler.handle(CardRequests.submit, ({ grant, body }) => Requests.submit(grant, body));

const listRequests = Handler.handle(CardRequests.list, ({ grant, query }) =>
  Effect.map(Tracking.requests(grant, siteFilterOf(query), query.status), (items) => ({ items })),
);

const oneRequest = Handler.handle(CardRequests.get, ({ grant, params }) => Tracking.request(grant, params.id));

const validateRequest = Handler.handle(CardRequests.validate, ({ grant, params, body }) => Requests.validate(grant, params.id, body.reason));

const rejectRequest = Handler.handle(CardRequests.reject, ({ grant, params, body }) => Requests.reject(grant, params.id, body.reason));

const cancelRequest = Handler.handle(CardRequests.cancel, ({ grant, params, body }) => Requests.cancel(grant, params.id, body.reason));

const mailbox = Handler.handle(Mailbox.mailbox, ({ actor, grant, query }) =>
  Effect.gen(function* () {
    const site =
      query.commune !== undefined
        ? ({ _tag: "commune", commune: query.commune } as const)
        : query.prefecture !== undefined
          ? ({ _tag: "prefecture", departement: query.prefecture } as const)
          : actor.site._tag === "commune"
            ? ({ _tag: "commune", commune: actor.site.commune as InseeCode.InseeCode } as const)
            : actor.site._tag === "prefecture"
              ? ({ _tag: "prefecture", departement: actor.site.departement } as const)
              : undefined;
    if (site === undefined) return { items: [] };
    // The grant covers the commune the query names; a prefecture's mailbox, or the actor's own, is checked here.
    if (query.commune === undefined) yield* Access.covers(grant, Access.siteTarget(site));
    const items = yield* CardNotifications.use((notifications) => notifications.inbox(site, 100));
    return {
      items: items.map((item) => ({
        id: item.id,
        kind: item.kind,
        subject: item.subject,
        body: item.body,
        createdAt: item.createdAt.toISOString(),
        sentAt: item.sentAt?.toISOString() ?? null,
      })),
    };
  }),
);

/** The handlers of the group. */
export const handlers = [
  order,
  list,
  one,
  startProduction,
  ship,
  activationLetter,
  receive,
  revoke,
  approvePersonalisation,
  renew,
  holders,
  setQuestions,
  getQuestions,
  connection,
  machines,
  submitRequest,
  listRequests,
  oneRequest,
  validateRequest,
  rejectRequest,
  cancelRequest,
  mailbox,
];
