/**
 * The RGS 3* deadlines of the card platform, watched: a revocation request is processed within
 * 24 hours (rule `revocation.24-hours`), and so is the revocation of each certificate of a revoked
 * card or deleted holder, measured on the certificate; and the CRL relying parties fetch is never older than
 * 24 hours (rule `crl.24-hours`). The report names each breach with its rule and source; the
 * national operator reads it over the API and the worker turns it into reminders.
 */
import { Agent } from "@comedec/agent";
import { CardStore, CertificateRegistry } from "@comedec/card";
import { type Access, Rules } from "@comedec/rgs";
import { Clock, Effect } from "effect";

/** One deadline missed. */
export interface Breach {
  readonly rule: string;
  readonly source: string;
  /** What is late: a request (`card-request:<id>`), a certificate (`certificate:<serial>`) or the CRL. */
  readonly subject: string;
  /** The site concerned (`commune:69123`), or `national` for the CRL (or a certificate whose card is gone). */
  readonly site: string;
  readonly detail: string;
  /** Since when the clock runs (the request's submission, the card's revocation, the CRL's thisUpdate). */
  readonly since: string;
}

/** The CRL relying parties fetch now: its number and dates (ISO 8601), its revoked entries. */
export interface CrlState {
  readonly number: string;
  readonly thisUpdate: string;
  readonly nextUpdate: string;
  readonly entries: number;
}

/** What the monitor found at a moment: the breaches, and where each deadline stands even when met. */
export interface Report {
  readonly checkedAt: string;
  readonly breaches: ReadonlyArray<Breach>;
  /** Revocation requests waiting for validation now, late or not (at most 1,000 counted). */
  readonly revocationsWaiting: number;
  /** The latest CRL published, `null` when none ever was. */
  readonly crl: CrlState | null;
}

/** The breaches of the RGS deadlines now, for the national operator (or its auditor). */
export const breaches = (_grant: Access.Grant<"monitoring.read">): Effect.Effect<Report, never, CardStore | CertificateRegistry> =>
  Effect.gen(function* () {
    const now = new Date(yield* Clock.currentTimeMillis);
    const found: Array<Breach> = [];
    const { revocationDelay, crlAge } = Rules.rules;
    // Every request waiting is counted (an auditor reads the deadline met too); those past 24 hours are breaches.
    const waiting = yield* CardStore.use((store) => store.waitingRevocations(now.toISOString(), 1_000));
    for (const { request, submittedAt } of waiting) {
      const violation = revocationDelay.check({ requestedAt: submittedAt, publishedAt: undefined, now });
      if (violation === undefined) continue;
      found.push({
        rule: violation.rule,
        source: revocationDelay.source,
        subject: `card-request:${request.id}`,
        site: Agent.siteKey(request.site),
        detail: `${violation.detail}: the revocation of card ${request.card ?? "?"} still waits for validation`,
        since: submittedAt.toISOString(),
      });
    }
    // Measured on the certificate, not on the card: a card revoked (or its holder deleted) whose
    // certificate is still not revoked in the register is late 24 hours after the card.
    const withdrawn = yield* CertificateRegistry.use((registry) => registry.withdrawn);
    for (const certificate of withdrawn) {
      const violation = revocationDelay.check({ requestedAt: certificate.since, publishedAt: undefined, now });
      if (violation === undefined) continue;
      const card = yield* Effect.option(CardStore.use((store) => store.load(certificate.card)));
      found.push({
        rule: violation.rule,
        source: revocationDelay.source,
        subject: `certificate:${certificate.serial}`,
        site: card._tag === "Some" ? Agent.siteKey(card.value.state.site) : "national",
        detail: `${violation.detail}: certificate ${certificate.serial} of card ${certificate.card} is still not revoked (${certificate.cause === "card-revoked" ? "card revoked" : "holder deleted"})`,
        since: certificate.since.toISOString(),
      });
    }
    const crl = yield* CertificateRegistry.use((registry) => registry.latestCrl);
    const stale = crl === undefined ? { rule: crlAge.id, detail: "no CRL was ever published" } : crlAge.check({ thisUpdate: crl.thisUpdate, now });
    if (stale !== undefined) {
      found.push({
        rule: stale.rule,
        source: crlAge.source,
        subject: crl === undefined ? "crl" : `crl:${crl.number}`,
        site: "national",
        detail: stale.detail,
        since: (crl?.thisUpdate ?? now).toISOString(),
      });
    }
    return {
      checkedAt: now.toISOString(),
      breaches: found,
      revocationsWaiting: waiting.length,
      crl:
        crl === undefined
          ? null
          : { number: crl.number.toString(), thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate.toISOString(), entries: crl.entries },
    };
  });
