/**
 * A site's mailbox: the notifications the card platform sends a commune or a prefecture
 * (activation codes, requests waiting…), newest first, as the embedded platform keeps them. It
 * carries activation codes, so the site's operators read it (`card.order`), not its agents.
 */
import { InseeCode } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { Departement } from "./Cards.js";
import { Items } from "./Shared.js";

/** What a notification is about. */
export const NotificationKind = Schema.Literals([
  "activation-code",
  "request-waiting",
  "card-published",
  "card-revoked",
  "certificate-expiring",
  "appointment-invitation",
  "deadline-reminder",
  "deadline-digest",
  "appointment-moved",
  "named-in-convention",
  "connection-date-recorded",
  "commune-connected",
  "commune-late",
  "request-decided",
]);

/** A notification of a site's mailbox; `sentAt` once the worker delivered it. */
export const Notification = Schema.Struct({
  id: Schema.String,
  kind: NotificationKind,
  subject: Schema.String,
  body: Schema.String,
  createdAt: Schema.String,
  sentAt: Schema.NullOr(Schema.String),
}).annotate({ identifier: "Notification" });

/** A site's mailbox. */
export const mailbox = Endpoint.make({
  operationId: "getMailbox",
  method: "get",
  path: "/mailbox",
  tag: "cards",
  summary: "A site's notifications (activation codes, requests waiting), newest first — the embedded platform's local mailbox",
  query: Schema.Struct({ commune: Schema.optionalKey(InseeCode.InseeCode), prefecture: Schema.optionalKey(Departement) }),
  success: Items(Notification),
  errors: [Access.Forbidden],
  // A prefecture's mailbox, or the actor's own site's when none is named, is checked by the handler.
  authorization: { _tag: "permission", permission: "card.order", target: { _tag: "commune", in: "query", field: "commune" } },
});

/** Every endpoint of the group. */
export const endpoints = [mailbox] as const;
