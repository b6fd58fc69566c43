/**
 * Routes of the card platform (PGCA): cards from order to revocation, holders' secret questions,
 * card requests, tracking views, the connection of a commune and the site's mailbox. Each route
 * runs one use case of `@comedec/pgca` for the authenticated actor; the use case authorises.
 */
import { Card, CardNotifications, Request } from "@comedec/card";
import { InseeCode } from "@comedec/commune";
import { Local, OrderInput, Pin, PublishInput, RenewCertificatesInput, RequestInput, RevokeInput, type SiteFilter, UnblockInput } from "@comedec/pgca";
import { Secrets } from "@comedec/card";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

const IdParams = Schema.Struct({ id: Schema.String.check(Schema.isMaxLength(64)) });
const ReasonBody = Schema.Struct({ reason: Card.Reason });
const Departement = Schema.String.check(Schema.isPattern(/^(\d{2}|2A|2B|97[1-6])$/, { message: "not a département" }));
const SiteQuery = {
  commune: Schema.optionalKey(InseeCode.InseeCode),
  prefecture: Schema.optionalKey(Departement),
  departement: Schema.optionalKey(Departement),
};

const siteFilterOf = (query: { readonly commune?: string; readonly prefecture?: string; readonly departement?: string }): SiteFilter =>
  query.commune !== undefined
    ? { commune: query.commune }
    : query.prefecture !== undefined
      ? { prefecture: query.prefecture }
      : query.departement !== undefined
        ? { departement: query.departement }
        : {};

/** A card or request as JSON. */
export const json = <S>(view: { readonly state: S; readonly version: number }) => ({ ...view.state, version: view.version });

const cardAction = <B extends Schema.Top>(options: {
  readonly path: string;
  readonly summary: string;
  readonly body: B;
  readonly status?: 200 | 201;
  readonly run: (
    platform: Parameters<Parameters<typeof Local.forActor>[1]>[0],
    id: string,
    body: B["Type"],
  ) => Effect.Effect<{ readonly state: unknown; readonly version: number }, { readonly _tag: string }>;
}) =>
  Endpoint.make({
    method: "post",
    path: options.path,
    tag: "cards",
    summary: options.summary,
    params: IdParams,
    body: options.body,
    ...(options.status === undefined ? {} : { status: options.status }),
    handler: ({ actor, params, body }) =>
      Effect.map(
        Local.forActor(actor, (platform) => options.run(platform, params.id, body)),
        json,
      ),
  });

const order = Endpoint.make({
  method: "post",
  path: "/cards",
  tag: "cards",
  summary: "Order a card for a holder active in the directory (firstCard: a commune's first two cards, ordered by the prefecture)",
  body: OrderInput,
  status: 201,
  handler: ({ actor, body }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.order(body)),
      json,
    ),
});

const list = Endpoint.make({
  method: "get",
  path: "/cards",
  tag: "cards",
  summary: "Cards of a site; with expiringWithinDays, only cards in force whose certificates end within that many days",
  query: Schema.Struct({
    ...SiteQuery,
    expiringWithinDays: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 3650 }))),
  }),
  handler: ({ actor, query }) =>
    Local.forActor(actor, (platform) =>
      query.expiringWithinDays === undefined
        ? Effect.map(platform.holders(siteFilterOf(query)), (holders) => holders.flatMap((holder) => holder.cards))
        : platform.expiring(siteFilterOf(query), query.expiringWithinDays),
    ).pipe(Effect.map((views) => ({ items: views.map(json) }))),
});

const one = Endpoint.make({
  method: "get",
  path: "/cards/{id}",
  tag: "cards",
  summary: "One card",
  params: IdParams,
  handler: ({ actor, params }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.card(params.id)),
      json,
    ),
});

const holders = Endpoint.make({
  method: "get",
  path: "/holders",
  tag: "cards",
  summary: "The holders of a site and their cards",
  query: Schema.Struct(SiteQuery),
  handler: ({ actor, query }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.holders(siteFilterOf(query))),
      (list) => ({ items: list.map((entry) => ({ holder: entry.holder, cards: entry.cards.map(json) })) }),
    ),
});

const setQuestions = Endpoint.make({
  method: "put",
  path: "/holders/{id}/secret-questions",
  tag: "cards",
  summary: "Set a holder's secret questions (at least four; answers stored as slow hashes)",
  params: IdParams,
  body: Schema.Struct({ questions: Secrets.SecretQuestions }),
  handler: ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.setSecretQuestions(params.id, body.questions)),
});

const getQuestions = Endpoint.make({
  method: "get",
  path: "/holders/{id}/secret-questions",
  tag: "cards",
  summary: "The questions to ask a holder at a distance (never the answers)",
  params: IdParams,
  handler: ({ actor, params }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.secretQuestions(params.id)),
      (questions) => ({ questions }),
    ),
});

const connection = Endpoint.make({
  method: "post",
  path: "/communes/{code}/connection",
  tag: "cards",
  summary: "ANTS triggers a commune's connection: readers shipped, then the first two cards' activation codes sent to the mairie",
  params: Schema.Struct({ code: InseeCode.InseeCode }),
  body: ReasonBody,
  handler: ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.triggerConnection(params.code, body.reason)),
});

const verifyPin = Endpoint.make({
  method: "post",
  path: "/cards/{id}/pin-verification",
  tag: "cards",
  summary: "Check a PIN on the (virtual) card; the third wrong PIN blocks the card",
  params: IdParams,
  body: Schema.Struct({ pin: Pin }),
  handler: ({ actor, params, body }) => Local.forActor(actor, (platform) => platform.verifyPin(params.id, body.pin)),
});

const submitRequest = Endpoint.make({
  method: "post",
  path: "/card-requests",
  tag: "card requests",
  summary: "A holder's request (new card, renewal, certificate renewal, revocation, unblock), to be validated by an operator",
  body: RequestInput,
  status: 201,
  handler: ({ actor, body }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.submitRequest(body)),
      json,
    ),
});

const listRequests = Endpoint.make({
  method: "get",
  path: "/card-requests",
  tag: "card requests",
  summary: "Requests of a site, by status",
  query: Schema.Struct({ ...SiteQuery, status: Schema.optionalKey(Request.Status) }),
  handler: ({ actor, query }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.requests(siteFilterOf(query), query.status)),
      (views) => ({ items: views.map(json) }),
    ),
});

const oneRequest = Endpoint.make({
  method: "get",
  path: "/card-requests/{id}",
  tag: "card requests",
  summary: "One request",
  params: IdParams,
  handler: ({ actor, params }) =>
    Effect.map(
      Local.forActor(actor, (platform) => platform.request(params.id)),
      json,
    ),
});

const requestDecision = (path: string, summary: string, use: "validateRequest" | "rejectRequest" | "cancelRequest") =>
  Endpoint.make({
    method: "post",
    path,
    tag: "card requests",
    summary,
    params: IdParams,
    body: ReasonBody,
    handler: ({ actor, params, body }) =>
      Effect.map(
        Local.forActor(actor, (platform) => platform[use](params.id, body.reason)),
        json,
      ),
  });

const mailbox = Endpoint.make({
  method: "get",
  path: "/mailbox",
  tag: "cards",
  summary: "A site's notifications (activation codes, requests waiting), newest first — the embedded platform's local mailbox",
  query: Schema.Struct({ commune: Schema.optionalKey(InseeCode.InseeCode), prefecture: Schema.optionalKey(Departement) }),
  handler: ({ actor, query }) =>
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
      // The mailbox carries activation codes: the site's operators read it, not its agents.
      yield* Access.authorize(actor, "card.order", Access.siteTarget(site));
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
});

const machines = Endpoint.make({
  method: "get",
  path: "/card-platform/state-machines",
  tag: "cards",
  summary: "The card and card-request state machines: states, transitions, who fires each, the evidence each needs",
  handler: () => Effect.succeed({ card: Card.machine, request: Request.machine }),
});

/** The card platform endpoints. */
export const endpoints = [
  order,
  list,
  one,
  cardAction({
    path: "/cards/{id}/production",
    summary: "ANTS: the manufacturer produces the card",
    body: ReasonBody,
    run: (platform, id, body) => platform.startProduction(id, body.reason),
  }),
  cardAction({
    path: "/cards/{id}/shipment",
    summary: "ANTS: the card leaves for its site (its activation code goes to the site, first cards excepted)",
    body: ReasonBody,
    run: (platform, id, body) => platform.ship(id, body.reason),
  }),
  cardAction({
    path: "/cards/{id}/receipt",
    summary: "The site receives the card and reads its serial",
    body: Schema.Struct({ serial: Card.Serial, reason: Card.Reason }),
    run: (platform, id, body) => platform.receive(id, body.serial, body.reason),
  }),
  cardAction({
    path: "/cards/{id}/publication",
    summary: "Hand-over face to face and activation: activation code, PIN, two key pairs and two certificates on the card",
    body: PublishInput,
    run: (platform, id, body) => platform.publish(id, body),
  }),
  verifyPin,
  cardAction({
    path: "/cards/{id}/unblock",
    summary: "Unblock a PIN-blocked card, the holder authenticated face to face or by secret answers",
    body: UnblockInput,
    run: (platform, id, body) => platform.unblock(id, body),
  }),
  cardAction({
    path: "/cards/{id}/certificate-renewal",
    summary: "New key pairs and certificates on an active card; the old certificates are revoked (superseded)",
    body: RenewCertificatesInput,
    run: (platform, id, body) => platform.renewCertificates(id, body),
  }),
  cardAction({
    path: "/cards/{id}/revocation",
    summary: "Revoke a card and its certificates (RFC 5280 reason)",
    body: RevokeInput,
    run: (platform, id, body) => platform.revoke(id, body),
  }),
  cardAction({
    path: "/cards/{id}/personalisation-approval",
    summary: "Approve, as a second operator of the prefecture, the personalisation of a received card (dual control)",
    body: ReasonBody,
    run: (platform, id, body) => platform.approvePersonalisation(id, body.reason),
  }),
  cardAction({
    path: "/cards/{id}/renewal",
    summary: "Order a new card replacing this one; this one is retired once the new one is active",
    body: ReasonBody,
    status: 201,
    run: (platform, id, body) => platform.renew(id, body.reason),
  }),
  holders,
  setQuestions,
  getQuestions,
  connection,
  submitRequest,
  listRequests,
  oneRequest,
  requestDecision(
    "/card-requests/{id}/validation",
    "Validate a request and carry it out (nobody validates their own or one that concerns them)",
    "validateRequest",
  ),
  requestDecision("/card-requests/{id}/rejection", "Reject a request", "rejectRequest"),
  requestDecision("/card-requests/{id}/cancellation", "Withdraw one's own pending request", "cancelRequest"),
  mailbox,
  machines,
];
