/**
 * Handlers of the card platform (PGCA): cards from order to revocation, holders' secret questions,
 * card requests, tracking views, the connection of a commune and the site's mailbox. Each handler
 * runs one use case of `@comedec/pgca` for the authenticated actor; the use case checks the site
 * of the record it acts on.
 */
import { Card, CardNotifications, Request } from "@comedec/card";
import type { InseeCode } from "@comedec/commune";
import { Contract, type Endpoint } from "@comedec/http-contract";
import { Local, type PlatformError, type SiteFilter } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Handler from "../Handler.js";

const { Cards, CardRequests, Mailbox } = Contract;

/**
 * A handler on the card platform's port, whose operations are typed with every refusal of the
 * platform: the refusals the endpoint declares go out as problems, any other would be a defect.
 */
const handle = <E extends Endpoint.Any, R>(
  endpoint: E,
  run: (input: Handler.Input<E>) => Effect.Effect<Endpoint.SuccessOf<E>, PlatformError, R>,
): Handler.Handler<R> =>
  Handler.handle(endpoint, (input) =>
    Effect.catch(run(input), (error) =>
      endpoint.errors.some((schema) => Schema.is(schema)(error)) ? Effect.fail(error as Extract<PlatformError, Endpoint.ErrorOf<E>>) : Effect.die(error),
    ),
  );

const siteFilterOf = (query: { readonly commune?: string; readonly prefecture?: string; readonly departement?: string }): SiteFilter =>
  query.commune !== undefined
    ? { commune: query.commune }
    : query.prefecture !== undefined
      ? { prefecture: query.prefecture }
      : query.departement !== undefined
        ? { departement: query.departement }
        : {};

const order = handle(Cards.order, ({ actor, body }) => Local.forActor(actor, (platform) => platform.order(body)));

const list = handle(Cards.list, ({ actor, query }) =>
  Local.forActor(actor, (platform) =>
    query.expiringWithinDays === undefined
      ? Effect.map(platform.holders(siteFilterOf(query)), (holders) => holders.flatMap((holder) => holder.cards))
      : platform.expiring(siteFilterOf(query), query.expiringWithinDays),
  ).pipe(Effect.map((items) => ({ items }))),
);

const one = handle(Cards.get, ({ actor, params }) => Local.forActor(actor, (platform) => platform.card(params.id)));

const startProduction = handle(Cards.startProduction, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.startProduction(params.id, body.reason)),
);

const ship = handle(Cards.ship, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.ship(params.id, body.reason)));

const receive = handle(Cards.receive, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.receive(params.id, body.serial, body.reason)));

const publish = handle(Cards.publish, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.publish(params.id, body)));

const verifyPin = handle(Cards.verifyPin, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.verifyPin(params.id, body.pin)));

const unblock = handle(Cards.unblock, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.unblock(params.id, body)));

const renewCertificates = handle(Cards.renewCertificates, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.renewCertificates(params.id, body)),
);

const revoke = handle(Cards.revoke, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.revoke(params.id, body)));

const approvePersonalisation = handle(Cards.approvePersonalisation, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.approvePersonalisation(params.id, body.reason)),
);

const renew = handle(Cards.renew, ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.renew(params.id, body.reason)));

const holders = handle(Cards.holders, ({ actor, query }) =>
  Effect.map(
    Local.forActor(actor, (platform) => platform.holders(siteFilterOf(query))),
    (items) => ({ items }),
  ),
);

const setQuestions = handle(Cards.setSecretQuestions, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.setSecretQuestions(params.id, body.questions)),
);

const getQuestions = handle(Cards.getSecretQuestions, ({ actor, params }) =>
  Effect.map(
    Local.forActor(actor, (platform) => platform.secretQuestions(params.id)),
    (questions) => ({ questions }),
  ),
);

const connection = handle(Cards.triggerConnection, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.triggerConnection(params.code, body.reason)),
);

const machines = Handler.handle(Cards.stateMachines, () => Effect.succeed({ card: Card.machine, request: Request.machine }));

const submitRequest = handle(CardRequests.submit, ({ actor, body }) => Local.forActor(actor, (platform) => platform.submitRequest(body)));

const listRequests = handle(CardRequests.list, ({ actor, query }) =>
  Effect.map(
    Local.forActor(actor, (platform) => platform.requests(siteFilterOf(query), query.status)),
    (items) => ({ items }),
  ),
);

const oneRequest = handle(CardRequests.get, ({ actor, params }) => Local.forActor(actor, (platform) => platform.request(params.id)));

const validateRequest = handle(CardRequests.validate, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.validateRequest(params.id, body.reason)),
);

const rejectRequest = handle(CardRequests.reject, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.rejectRequest(params.id, body.reason)),
);

const cancelRequest = handle(CardRequests.cancel, ({ actor, params, body }) =>
  Local.forActor(actor, (platform) => platform.cancelRequest(params.id, body.reason)),
);

const mailbox = Handler.handle(Mailbox.mailbox, ({ actor, query }) =>
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
    if (query.commune === undefined) yield* Access.authorize(actor, "card.order", Access.siteTarget(site));
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
  receive,
  publish,
  verifyPin,
  unblock,
  renewCertificates,
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
