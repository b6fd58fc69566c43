/**
 * The RGS deadlines watched (revocation requests processed within 24 hours, a CRL never older than
 * 24 hours), each breach named with its rule and source; the notifications kept undelivered; and
 * the retention purge on demand. National tasks, authorised on the nation.
 */
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

/** One RGS deadline missed. */
export const Breach = Schema.Struct({
  /** The rule of `Rules.rules` (`revocation.24-hours`, `crl.24-hours`). */
  rule: Schema.String,
  /** Where the rule comes from (the RGS document and section). */
  source: Schema.String,
  /** What is late: a request (`card-request:<id>`) or the CRL (`crl:<number>`, `crl`). */
  subject: Schema.String,
  /** The site concerned (`commune:69123`), or `national` for the CRL. */
  site: Schema.String,
  detail: Schema.String,
  /** Since when the clock runs (the request's submission, the CRL's thisUpdate), ISO 8601. */
  since: Schema.String,
}).annotate({ identifier: "DeadlineBreach" });

/** The CRL relying parties fetch now. */
export const CrlState = Schema.Struct({
  /** The CRL number (decimal). */
  number: Schema.String,
  thisUpdate: Schema.String,
  nextUpdate: Schema.String,
  entries: Schema.Int,
}).annotate({ identifier: "CrlState" });

/** What the monitor found at a moment: the breaches, and where each deadline stands even when met. */
export const BreachReport = Schema.Struct({
  checkedAt: Schema.String,
  breaches: Schema.Array(Breach),
  /** Revocation requests waiting for validation now, late or not. */
  revocationsWaiting: Schema.Int,
  /** The latest CRL published (`null`: none ever was), for its age. */
  crl: Schema.NullOr(CrlState),
}).annotate({ identifier: "DeadlineReport" });

/** How many records of each kind a purge deleted. */
export const PurgeReport = Schema.Struct({
  /** Event log rows older than 7 years, up to a signed checkpoint. */
  eventLog: Schema.Int,
  /** Registration files of deleted agents, 10 years after their last certificate expired. */
  registrationFiles: Schema.Int,
  /** Certificates 5 years after they expired. */
  certificates: Schema.Int,
  /** CRLs 5 years after their next update (never the latest). */
  crls: Schema.Int,
  /** Login challenges and card sessions a day after they ended. */
  loginChallenges: Schema.Int,
  sessions: Schema.Int,
}).annotate({ identifier: "PurgeReport" });

/** The deadlines missed now. */
export const deadlines = Endpoint.make({
  operationId: "getDeadlineBreaches",
  method: "get",
  path: "/monitoring/deadlines",
  tag: "monitoring",
  summary: "The RGS 3* deadlines missed now: revocations processed within 24 hours, a CRL never older than 24 hours",
  success: BreachReport,
  errors: [],
  authorization: { _tag: "permission", permission: "monitoring.read", target: { _tag: "nation" } },
});

/** Purge what outlived its retention. */
export const purge = Endpoint.make({
  operationId: "purgeRetention",
  method: "post",
  path: "/retention/purge",
  tag: "monitoring",
  summary: "Delete now what has outlived its RGS retention period (the platform also does it daily)",
  success: PurgeReport,
  errors: [],
  authorization: { _tag: "permission", permission: "retention.purge", target: { _tag: "nation" } },
});

/** A notification kept because it could not be delivered (nobody can receive it, or the mail server refuses). */
export const KeptNotification = Schema.Struct({
  id: Schema.String,
  kind: Schema.String,
  /** The site it is for (`commune:69123`, `prefecture:69`). */
  site: Schema.String,
  subject: Schema.String,
  createdAt: Schema.String,
}).annotate({ identifier: "KeptNotification" });

/** The notifications kept undelivered. */
export const notifications = Endpoint.make({
  operationId: "getKeptNotifications",
  method: "get",
  path: "/monitoring/notifications",
  tag: "monitoring",
  summary:
    "The notifications kept undelivered for more than 15 minutes (the worker delivers within seconds): a site with no card operator, a person without an address — never marked sent, tried again at every delivery",
  success: Schema.Struct({ checkedAt: Schema.String, count: Schema.Int, kept: Schema.Array(KeptNotification) }).annotate({
    identifier: "KeptNotifications",
  }),
  errors: [],
  authorization: { _tag: "permission", permission: "monitoring.read", target: { _tag: "nation" } },
});

/** Every endpoint of the group. */
export const endpoints = [deadlines, notifications, purge] as const;
