/**
 * Handlers of the RGS deadlines: the revocation requests waiting more than 24 hours, and a CRL
 * older than 24 hours, each named with its rule and source; the notifications kept undelivered;
 * and the retention purge on demand.
 */
import { Agent } from "@comedec/agent";
import { CardNotifications } from "@comedec/card";
import { Contract } from "@comedec/http-contract";
import { Monitoring } from "@comedec/pgca";
import { Retention } from "@comedec/rgs";
import { Clock, Effect } from "effect";
import * as Handler from "../Handler.js";

const { Monitoring: Endpoints } = Contract;

const deadlines = Handler.handle(Endpoints.deadlines, ({ grant }) => Monitoring.breaches(grant));

/** A notification still unsent this long after it was made was not delivered for want of a recipient (or of a mail server). */
export const keptAfterMillis = 15 * 60_000;

// Read page by page (the worker's own order), as many as are kept; the grant was checked by the contract.
const notifications = Handler.handle(Endpoints.notifications, () =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    const kept: Array<{ id: string; kind: string; site: string; subject: string; createdAt: string }> = [];
    let after: string | undefined;
    for (;;) {
      const page = yield* CardNotifications.use((outbox) => outbox.unsent(500, after));
      for (const notification of page) {
        if (now - notification.createdAt.getTime() < keptAfterMillis) continue;
        kept.push({
          id: notification.id,
          kind: notification.kind,
          site: Agent.siteKey(notification.site),
          subject: notification.subject,
          createdAt: notification.createdAt.toISOString(),
        });
      }
      if (page.length < 500) break;
      after = page.at(-1)?.id;
    }
    return { checkedAt: new Date(now).toISOString(), count: kept.length, kept: kept.slice(0, 1_000) };
  }),
);

// The purge takes no grant: the contract's permission was checked before it runs.
const purge = Handler.handle(Endpoints.purge, ({ actor }) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) => Retention.Retention.use((retention) => retention.purge(new Date(millis), actor))),
);

/** The handlers of the group. */
export const handlers = [deadlines, notifications, purge];
