/**
 * The worker's jobs, as Effects on the platform's ports. Each is idempotent: run twice, it does
 * the work once (notifications are made once per event, delivered ones are marked, a CRL is
 * simply published again).
 *
 * - `outbox`: reads the event log after the worker's position and makes the notifications its
 *   events call for, to the people they concern (a revoked card, a request decided: the holder; a hand-over
 *   appointment recorded or moved, a connection date recorded, a commune connected: the people
 *   its conventions name and its operators; a person a convention names registered in AGAEC:
 *   that person); then moves the position.
 * - `deliver`: sends the undelivered notifications by mail to their recipients, each marked
 *   delivered after the server accepted it (at least once: a worker killed between the two sends
 *   that one again, with the same Message-ID); one nobody can receive is kept and reported.
 * - `deadlineDigests`: each prefecture's weekly digest of its late communes, and each late
 *   commune's own reminder; `lateAlerts`: a prefecture told once when one of its communes falls late;
 * - `publishCrl`: a fresh CRL (the PKI also publishes one at every revocation);
 * - `reconcileRevocations`: the safety net of revocations, which commit with their card: any
 *   certificate still unrevoked although its card is revoked or its holder deleted is revoked, and
 *   reported with the time since the card's revocation, against the 24-hour deadline measured on
 *   the certificate; a revocation the latest CRL does not list (its publication did not run) is
 *   reported and a CRL published.
 */
import { Agent, AgentStore } from "@comedec/agent";
import { CardNotifications, CardStore, CertificateRegistry, type Delivered, type Notification } from "@comedec/card";
import type { ConventionStore } from "@comedec/convention";
import { Authority, Crl } from "@comedec/pki";
import type { Actor, Site } from "@comedec/actor";
import { CalendarDate, CommuneDirectory, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Deadlines } from "@comedec/deployment";
import { Access, Audit, Rules } from "@comedec/rgs";
import { Clock, Effect } from "effect";
import { Mailer } from "./Mailer.js";
import * as Recipients from "./Recipients.js";
import * as Templates from "./Templates.js";

/** The outbox's name as a consumer of the event log. */
export const outboxConsumer = "worker-outbox";

/** A commune's reference data, if the directory has it. */
const communeOf = (code: string) =>
  Effect.map(CommuneDirectory.use((directory) => directory.find(code as InseeCode.InseeCode)).pipe(Effect.option), (found) =>
    found._tag === "None" ? undefined : found.value.commune,
  );

/** What concerns a commune goes to the people its conventions name, and to its card operators. */
const toCommune = (code: string) =>
  Effect.map(Recipients.namedFor(code), (named) => ({
    site: { _tag: "commune", commune: code } as Agent.AgentSite,
    recipients: {
      agents: named.flatMap((person) => (person.agent === undefined ? [] : [person.agent])),
      addresses: named.flatMap((person) => (person.agent === undefined ? [person.email] : [])),
      operators: true,
    },
  }));

type Made = Omit<Notification, "source">;

/** The notifications an event calls for. */
const notificationsOf = (event: Audit.FedEvent) =>
  Effect.gen(function* (): Effect.fn.Return<ReadonlyArray<Made>, never, CardStore | CommuneDirectory | ConventionStore | AgentStore> {
    if (event.type === "CardRevoked") {
      const card = yield* CardStore.use((store) => store.load(event.stream.replace(/^card:/, ""))).pipe(Effect.option);
      if (card._tag === "None") return [];
      // The holder, whose card it was; the operators revoked it or validated its request, and have nothing to do.
      return [{ ...Templates.cardRevoked(card.value.state, event), site: card.value.state.site, recipients: { agents: [card.value.state.holder] } }];
    }
    if (event.type === "RequestValidated" || event.type === "RequestRejected") {
      // The holder's request decided: the holder is told (the operators decided it).
      const request = yield* CardStore.use((store) => store.loadRequest(event.stream.replace(/^card-request:/, ""))).pipe(Effect.option);
      if (request._tag === "None" || request.value.state.origin === "automatic") return [];
      const reason = (event.payload as { readonly reason?: string }).reason ?? "";
      return [
        {
          ...Templates.requestDecided(request.value.state, event.type === "RequestValidated", reason),
          site: request.value.state.site,
          recipients: { agents: [request.value.state.holder] },
        },
      ];
    }
    if (event.type === "AgentRegistered") {
      // A person a convention names, now in the directory: linked (same address or name), and told.
      const agent = yield* AgentStore.use((agents) => agents.load(event.stream.replace(/^agent:/, ""))).pipe(Effect.option);
      if (agent._tag === "None" || agent.value.state.site._tag !== "commune") return [];
      const code = agent.value.state.site.commune;
      const commune = yield* communeOf(code);
      const named = (yield* Recipients.namedFor(code)).filter((person) => person.agent === agent.value.state.id);
      if (commune === undefined) return [];
      return named.map((person) => ({
        ...Templates.namedInConvention(commune, person.role),
        site: agent.value.state.site,
        recipients: { agents: [agent.value.state.id] },
      }));
    }
    const code = event.stream.replace(/^onboarding:/, "");
    if (event.type === "AppointmentMoved") {
      const payload = event.payload as {
        readonly record: { readonly evidence: Templates.Appointment };
        readonly previous: { readonly appointmentOn: string; readonly venue: string };
        readonly reason: string;
      };
      const commune = yield* communeOf(code);
      if (commune === undefined) return [];
      return [{ ...Templates.appointmentMoved(commune, payload.record.evidence, payload.previous, payload.reason), ...(yield* toCommune(code)) }];
    }
    if (event.type === "MilestoneWithdrawn") {
      // An appointment withdrawn is one nobody should travel to: the people invited are told.
      const payload = event.payload as {
        readonly withdrawn: { readonly evidence: Templates.Appointment & { readonly milestone: string } };
        readonly reason: string;
      };
      if (payload.withdrawn.evidence.milestone !== "handOverAppointment") return [];
      const commune = yield* communeOf(code);
      if (commune === undefined) return [];
      return [{ ...Templates.appointmentCancelled(commune, payload.withdrawn.evidence, payload.reason), ...(yield* toCommune(code)) }];
    }
    if (event.type !== "MilestoneRecorded") return [];
    const evidence = (event.payload as { readonly record?: { readonly evidence?: { readonly milestone?: string; readonly connectionOn?: string } } }).record
      ?.evidence;
    if (evidence?.milestone !== "handOverAppointment" && evidence?.milestone !== "connectionDate" && evidence?.milestone !== "connected") return [];
    const commune = yield* communeOf(code);
    if (commune === undefined) return [];
    const to = yield* toCommune(code);
    switch (evidence.milestone) {
      case "handOverAppointment":
        return [{ ...Templates.appointmentInvitation(commune, evidence as Templates.Appointment), ...to }];
      case "connectionDate":
        return [{ ...Templates.connectionDateRecorded(commune, evidence.connectionOn ?? ""), ...to }];
      case "connected":
        return [{ ...Templates.communeConnected(commune, event.recordedAt.slice(0, 10)), ...to }];
    }
  });

/** Notifications made from the events after the outbox's position; how many events were read. */
export const outbox = (batch = 500) =>
  Effect.gen(function* () {
    const events = yield* Audit.EventFeed.use((feed) => feed.read(outboxConsumer, batch));
    for (const event of events) {
      const made = yield* notificationsOf(event);
      // One per event, or numbered after the first when an event makes several: made once.
      for (const [index, notification] of made.entries()) {
        const source = index === 0 ? `event:${event.position}` : `event:${event.position}:${index}`;
        yield* CardNotifications.use((notifications) => notifications.send({ ...notification, source }));
      }
    }
    const last = events.at(-1);
    if (last !== undefined) yield* Audit.EventFeed.use((feed) => feed.advance(outboxConsumer, last.position));
    return events.length;
  });

/** Mails sent at once, and marked together once all are accepted. */
const inFlight = 16;

/**
 * Sends the undelivered notifications, a batch at a time, each to the people it is for
 * (`Recipients.addressesOf`, read once per batch for the same recipients). Mails go `inFlight` at
 * once, and each group is marked delivered as soon as the server accepted it, so a worker killed
 * mid-batch sends again at most the one group it had in flight (with the same Message-IDs). One
 * nobody can receive (no card operator yet, a holder without an address) is kept, never marked
 * sent: it is tried again at every run, logged, and listed to the national operator by
 * `GET /monitoring/notifications` (with a metric). Stops after `most`, so one
 * job never runs for long; returns how many were delivered.
 */
export const deliver = (batch = 500, most = 20_000) =>
  Effect.gen(function* () {
    let delivered = 0;
    let after: string | undefined;
    while (delivered < most) {
      const pending = yield* CardNotifications.use((notifications) => notifications.unsent(batch, after));
      if (pending.length === 0) break;
      after = pending.at(-1)?.id;
      const addresses = new Map<string, ReadonlyArray<string>>();
      const keyOf = (notification: Delivered) => `${Agent.siteKey(notification.site)} ${JSON.stringify(notification.recipients ?? null)}`;
      for (const notification of pending) {
        const key = keyOf(notification);
        if (!addresses.has(key)) addresses.set(key, yield* Recipients.addressesOf(notification));
      }
      const mailed = pending.filter((notification) => (addresses.get(keyOf(notification)) ?? []).length > 0);
      for (let start = 0; start < mailed.length; start += inFlight) {
        const chunk = mailed.slice(start, start + inFlight);
        yield* Effect.forEach(
          chunk,
          (notification) =>
            Mailer.use((mailer) =>
              mailer.send({
                to: addresses.get(keyOf(notification)) ?? [],
                subject: notification.subject,
                text: notification.body,
                messageId: `<notification-${notification.id}@comedec>`,
              }),
            ),
          { concurrency: inFlight, discard: true },
        );
        delivered += yield* CardNotifications.use((notifications) => notifications.markSent(chunk.map((notification) => notification.id)));
      }
      // Kept for the next run, and reported: `GET /monitoring/notifications` lists what stays unsent.
      for (const kept of pending.filter((notification) => !mailed.includes(notification))) {
        yield* Effect.logWarning("notification kept: nobody can receive it", { id: kept.id, kind: kept.kind, site: Agent.siteKey(kept.site) });
      }
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
      const to = yield* toCommune(commune.code);
      yield* CardNotifications.use((notifications) =>
        notifications.send({ ...Templates.deadlineReminder(commune, today), ...to, source: `reminder:${commune.code}:${today}` }),
      );
    }
  }
  return digests.length;
});

/** How far back a commune's first late day may be for the prefecture to be told it fell late (older ones are in the weekly digest). */
export const lateAlertDays = 7;

/**
 * Tells each prefecture, once, that one of its communes fell late (its first late day within the
 * last `lateAlertDays` days), with why; a commune late again later (another due missed) is told
 * again. Run daily; returns how many communes are reported.
 */
export const lateAlerts = Effect.gen(function* () {
  const today = CalendarDate.ofInstant(new Date(yield* Clock.currentTimeMillis));
  const since = CalendarDate.addDays(today, -lateAlertDays);
  const grant = yield* Access.authorize(platform, "dashboard.read", Access.nation);
  let reported = 0;
  for (const digest of yield* Deadlines.digests(grant, today)) {
    for (const commune of digest.late) {
      if (commune.lateFrom < since) continue;
      const state = (yield* OnboardingStore.use((store) => store.load(commune.code as InseeCode.InseeCode)).pipe(Effect.option)).pipe((found) =>
        found._tag === "None" ? undefined : found.value.state,
      );
      const reason = state === undefined ? undefined : Onboarding.dues(state).find((due) => CalendarDate.addDays(due.dueOn, 1) === commune.lateFrom)?.reason;
      yield* CardNotifications.use((notifications) =>
        notifications.send({
          ...Templates.communeLate(commune, reason),
          site: { _tag: "prefecture", departement: digest.departement as Site.DepartementCode },
          source: `late:${commune.code}:${commune.lateFrom}`,
        }),
      );
      reported++;
    }
  }
  return reported;
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
