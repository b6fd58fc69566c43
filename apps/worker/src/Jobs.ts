/**
 * The worker's jobs, as Effects on the platform's ports. Each is idempotent: run twice, it does
 * the work once (notifications are made once per event, delivered ones are marked, a CRL is
 * simply published again).
 *
 * - `outbox`: reads the event log after the worker's position and makes the notifications its
 *   events call for (a revoked card: its site is told; a hand-over appointment recorded: the mairie
 *   is invited); then moves the position.
 * - `deliver`: sends the undelivered notifications by mail to the site's card operators, each
 *   marked delivered after the server accepted it (at least once: a worker killed between the two
 *   sends that one again, with the same Message-ID).
 * - `deadlineDigests`: each prefecture's weekly digest of its late communes, and each late
 *   commune's own reminder;
 * - `publishCrl`: a fresh CRL (the PKI also publishes one at every revocation);
 * - `reconcileRevocations`: the safety net of revocations, which commit with their card: any
 *   certificate still unrevoked although its card is revoked or its holder deleted is revoked, and
 *   reported with the time since the card's revocation, against the 24-hour deadline measured on
 *   the certificate; a revocation the latest CRL does not list (its publication did not run) is
 *   reported and a CRL published.
 */
import { Agent, AgentStore } from "@comedec/agent";
import { CardNotifications, CardStore, CertificateRegistry } from "@comedec/card";
import { Authority, Crl } from "@comedec/pki";
import type { Actor, Site } from "@comedec/actor";
import { CalendarDate, CommuneDirectory, type InseeCode } from "@comedec/commune";
import { Deadlines } from "@comedec/deployment";
import { Access, Audit, Rules } from "@comedec/rgs";
import { Clock, Effect } from "effect";
import { Mailer } from "./Mailer.js";
import * as Templates from "./Templates.js";

/** The outbox's name as a consumer of the event log. */
export const outboxConsumer = "worker-outbox";

/** The notification an event calls for, if any. */
const notificationOf = (event: Audit.FedEvent) =>
  Effect.gen(function* () {
    if (event.type === "CardRevoked") {
      const card = yield* CardStore.use((store) => store.load(event.stream.replace(/^card:/, ""))).pipe(Effect.option);
      if (card._tag === "None") return undefined;
      return { ...Templates.cardRevoked(card.value.state, event), site: card.value.state.site };
    }
    const evidence = (event.payload as { readonly record?: { readonly evidence?: { readonly milestone?: string } } }).record?.evidence;
    if (event.type === "MilestoneRecorded" && evidence?.milestone === "handOverAppointment") {
      const code = event.stream.replace(/^onboarding:/, "") as InseeCode.InseeCode;
      const commune = yield* CommuneDirectory.use((directory) => directory.find(code)).pipe(Effect.option);
      if (commune._tag === "None") return undefined;
      return {
        ...Templates.appointmentInvitation(commune.value.commune, evidence as Templates.Appointment),
        site: { _tag: "commune", commune: code } as Agent.AgentSite,
      };
    }
    return undefined;
  });

/** Notifications made from the events after the outbox's position; how many events were read. */
export const outbox = (batch = 500) =>
  Effect.gen(function* () {
    const events = yield* Audit.EventFeed.use((feed) => feed.read(outboxConsumer, batch));
    for (const event of events) {
      const notification = yield* notificationOf(event);
      if (notification !== undefined)
        yield* CardNotifications.use((notifications) => notifications.send({ ...notification, source: `event:${event.position}` }));
    }
    const last = events.at(-1);
    if (last !== undefined) yield* Audit.EventFeed.use((feed) => feed.advance(outboxConsumer, last.position));
    return events.length;
  });

/** The e-mail addresses of a site's active card operators. */
const operatorsOf = (site: Agent.AgentSite) =>
  Effect.map(
    AgentStore.use((agents) => agents.search({ site, status: "active", limit: 50 })),
    (page) =>
      page.items
        .filter((item) => item.state.rights?.includes("operate-cards"))
        .flatMap((item) => (item.state.contact === undefined ? [] : [item.state.contact.email])),
  );

/** Mails sent at once, and marked together once all are accepted. */
const inFlight = 16;

/**
 * Sends the undelivered notifications, a batch at a time, each site's operators read once per
 * batch. Mails go `inFlight` at once, and each group is marked delivered as soon as the server
 * accepted it, so a worker killed mid-batch sends again at most the one group it had in flight
 * (with the same Message-IDs). Those without any
 * recipient (a site with no card operator yet: the mailbox is their delivery) are marked together.
 * Stops after `most`, so one job never runs for long; returns how many were delivered.
 */
export const deliver = (batch = 500, most = 20_000) =>
  Effect.gen(function* () {
    let delivered = 0;
    while (delivered < most) {
      const pending = yield* CardNotifications.use((notifications) => notifications.unsent(batch));
      if (pending.length === 0) break;
      const recipients = new Map<string, ReadonlyArray<string>>();
      for (const notification of pending) {
        const key = Agent.siteKey(notification.site);
        if (!recipients.has(key)) recipients.set(key, yield* operatorsOf(notification.site));
      }
      const mailed = pending.filter((notification) => (recipients.get(Agent.siteKey(notification.site)) ?? []).length > 0);
      for (let start = 0; start < mailed.length; start += inFlight) {
        const chunk = mailed.slice(start, start + inFlight);
        yield* Effect.forEach(
          chunk,
          (notification) =>
            Mailer.use((mailer) =>
              mailer.send({
                to: recipients.get(Agent.siteKey(notification.site)) ?? [],
                subject: notification.subject,
                text: notification.body,
                messageId: `<notification-${notification.id}@comedec>`,
              }),
            ),
          { concurrency: inFlight, discard: true },
        );
        delivered += yield* CardNotifications.use((notifications) => notifications.markSent(chunk.map((notification) => notification.id)));
      }
      const unaddressed = pending.filter((notification) => !mailed.includes(notification)).map((notification) => notification.id);
      delivered += yield* CardNotifications.use((notifications) => notifications.markSent(unaddressed));
      if (pending.length < batch) break;
    }
    return delivered;
  });

/** The platform, acting for the periodic jobs. */
export const platform: Actor.Actor = Access.platform;

/** Each prefecture's weekly digest of its late communes, made once per département and day; how many were made. */
export const deadlineDigests = Effect.gen(function* () {
  const today = CalendarDate.ofInstant(new Date(yield* Clock.currentTimeMillis));
  const grant = yield* Access.authorize(platform, "dashboard.read", Access.nation);
  const digests = yield* Deadlines.digests(grant, today);
  for (const digest of digests) {
    yield* CardNotifications.use((notifications) =>
      notifications.send({
        ...Templates.deadlineDigest(digest, today),
        // A digest is per département of the directory, whose codes are the actor's DepartementCode.
        site: { _tag: "prefecture", departement: digest.departement as Site.DepartementCode },
        source: `digest:${digest.departement}:${today}`,
      }),
    );
    for (const commune of digest.late) {
      yield* CardNotifications.use((notifications) =>
        notifications.send({
          ...Templates.deadlineReminder(commune, today),
          site: { _tag: "commune", commune: commune.code } as Agent.AgentSite,
          source: `reminder:${commune.code}:${today}`,
        }),
      );
    }
  }
  return digests.length;
});

/** Publishes a CRL now. */
export const publishCrl = Authority.Revocation.use((revocation) => revocation.publishCrl);

/** One certificate the reconciliation revoked. */
export interface Reconciled {
  readonly serial: string;
  readonly card: string;
  readonly holder: string;
  readonly cause: "card-revoked" | "agent-deleted";
  /** From the card's revocation (or the holder's deletion) to the certificate's. */
  readonly delayHours: number;
  /** The rule broken when the certificate was revoked more than 24 hours after its card (`revocation.24-hours`). */
  readonly lateRule: string | undefined;
}

/** What the reconciliation found and did. */
export interface ReconciliationReport {
  /** Certificates of revoked cards or deleted holders the register still held as good, now revoked. */
  readonly revoked: ReadonlyArray<Reconciled>;
  /** Certificates revoked in the register that the latest CRL did not list (its publication did not run). */
  readonly missingFromCrl: ReadonlyArray<string>;
  /** The CRL published by the reconciliation, when it had to publish one. */
  readonly publishedCrl: string | undefined;
}

/**
 * The safety net behind the revocations that commit with their card: revokes every certificate of
 * a revoked card or of a deleted holder that is not revoked yet (a path that still revokes in two
 * steps, stopped in between), and publishes a CRL when the latest one misses a revocation of the
 * register (a process stopped before its publication); reports each one.
 */
export const reconcileRevocations = Effect.gen(function* () {
  const registry = yield* CertificateRegistry;
  const withdrawn = yield* registry.withdrawn;
  const revoked: Array<Reconciled> = [];
  for (const certificate of withdrawn) {
    const now = new Date(yield* Clock.currentTimeMillis);
    yield* registry.revoke([certificate.serial], certificate.reason, now);
    const late = Rules.rules.revocationDelay.check({ requestedAt: certificate.since, publishedAt: now, now });
    const report = {
      serial: certificate.serial,
      card: certificate.card,
      holder: certificate.holder,
      cause: certificate.cause,
      delayHours: (now.getTime() - certificate.since.getTime()) / 3_600_000,
      lateRule: late === undefined ? undefined : late.rule,
    };
    revoked.push(report);
    yield* Effect.logWarning("certificate revoked by reconciliation", report);
  }
  const now = new Date(yield* Clock.currentTimeMillis);
  const latest = yield* registry.latestCrl;
  const listed = new Set(latest === undefined ? [] : Crl.serialsOf(latest.der));
  const missingFromCrl = (yield* registry.revokedAt(now)).map((entry) => entry.serial).filter((serial) => !listed.has(serial));
  if (missingFromCrl.length > 0) yield* Effect.logWarning("revocations the latest CRL did not list", { crl: latest?.number.toString(), missingFromCrl });
  const stale = revoked.length > 0 || missingFromCrl.length > 0 || latest === undefined || (yield* registry.unpublished ?? Effect.succeed(false));
  const published = stale ? yield* Authority.Revocation.use((revocation) => revocation.publishCrl) : undefined;
  const report: ReconciliationReport = { revoked, missingFromCrl, publishedCrl: published?.number.toString() };
  return report;
});
