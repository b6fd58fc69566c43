import { Actor, Change } from "@comedec/actor";
import { Card, CardNotifications, CardSecrets, CardStore, CertificateRegistry, Request } from "@comedec/card";
import { Audit } from "@comedec/rgs";
import { assert, describe, layer } from "@effect/vitest";
import { Effect, Result } from "effect";
import { randomUUID } from "node:crypto";
import { RawSql } from "../src/RawSql.js";
import { adapters } from "../src/Testing.js";

const site = { _tag: "commune", commune: "69123" as never } as const;
const operator = Actor.Actor.make({ id: "rc-lyon", name: "RC", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const holder = randomUUID();
const holderActor = Actor.Actor.make({ id: holder, name: "Porteur", role: "agent", site: { _tag: "commune", commune: "69123" } });
const today = "2026-11-22";

const decided = <S, E>(state: S | undefined, events: Result.Result<ReadonlyArray<E>, unknown>, evolve: (state: S | undefined, event: E) => S) => {
  if (Result.isFailure(events)) throw new Error(String(events.failure));
  return { state: events.success.reduce<S | undefined>(evolve, state) as S, events: events.success };
};
const order = (id: string, firstCard?: Card.FirstCard) =>
  decided(
    undefined,
    Card.decide(
      undefined,
      { _tag: "Order", id, holder, site, reason: "nouvel agent", ...(firstCard === undefined ? {} : { firstCard }) },
      { actor: operator, today },
    ),
    Card.evolve,
  );

for (const adapter of adapters) {
  describe(`card platform stores on ${adapter.name}`, () => {
    layer(adapter.layer(), { timeout: 120_000 })((it) => {
      it.effect("writes a card and its request together or not at all", () =>
        Effect.gen(function* () {
          const store = yield* CardStore;
          const card = order(randomUUID());
          const requestId = randomUUID();
          const submitted = decided(
            undefined,
            Request.decide(
              undefined,
              { _tag: "Submit", id: requestId, kind: "new-card", origin: "holder", holder, site, reason: "première carte" },
              { actor: holderActor, today },
            ),
            Request.evolve,
          );
          yield* store.commit({ cards: [], requests: [{ expectedVersion: 0, ...submitted }], actor: holderActor });
          const validated = decided(
            submitted.state,
            Request.decide(submitted.state, { _tag: "Validate", orderedCard: card.state.id, reason: "accord" }, { actor: operator, today }),
            Request.evolve,
          );
          // A stale request version: the new card must not be written either.
          const stale = yield* Effect.result(
            store.commit({ cards: [{ expectedVersion: 0, ...card }], requests: [{ expectedVersion: 0, ...validated }], actor: operator }),
          );
          assert.isTrue(Result.isFailure(stale) && stale.failure instanceof Change.ConcurrentModification);
          assert.isTrue(Result.isFailure(yield* Effect.result(store.load(card.state.id))));
          yield* store.commit({ cards: [{ expectedVersion: 0, ...card }], requests: [{ expectedVersion: 1, ...validated }], actor: operator });
          assert.strictEqual((yield* store.load(card.state.id)).state.status, "ordered");
          assert.strictEqual((yield* store.loadRequest(requestId)).state.status, "validated");
          assert.deepStrictEqual(
            (yield* store.requests({ site }, { status: "validated", limit: 10 })).map((row) => row.state.id),
            [requestId],
          );
          assert.isTrue((yield* Audit.AuditTrail.use((trail) => trail.verify)).valid);
        }),
      );

      it.effect("lets exactly one of two racing writers of the same card version win", () =>
        Effect.gen(function* () {
          const store = yield* CardStore;
          const card = order(randomUUID());
          yield* store.commit({ cards: [{ expectedVersion: 0, ...card }], requests: [], actor: operator });
          const next = (reason: string) =>
            decided(card.state, Card.decide(card.state, { _tag: "Revoke", revocationReason: "unspecified", reason }, { actor: operator, today }), Card.evolve);
          const outcomes = yield* Effect.all(
            ["premier", "second"].map((reason) =>
              Effect.result(store.commit({ cards: [{ expectedVersion: 1, ...next(reason) }], requests: [], actor: operator })),
            ),
            { concurrency: 2 },
          );
          assert.strictEqual(outcomes.filter(Result.isSuccess).length, 1);
          assert.strictEqual((yield* store.load(card.state.id)).version, 2);
        }),
      );

      it.effect("refuses a second responsable carte's card for a commune", () =>
        Effect.gen(function* () {
          const store = yield* CardStore;
          const outcomes = yield* Effect.all(
            [order(randomUUID(), "responsable-carte"), order(randomUUID(), "responsable-carte")].map((card) =>
              Effect.result(store.commit({ cards: [{ expectedVersion: 0, ...card }], requests: [], actor: operator })),
            ),
            { concurrency: 2 },
          );
          assert.strictEqual(outcomes.filter(Result.isSuccess).length, 1);
          assert.isTrue(outcomes.some((outcome) => Result.isFailure(outcome) && outcome.failure instanceof Change.ConcurrentModification));
        }),
      );

      it.effect("gives a code in clear once, for its letter, then keeps only its hash", () =>
        Effect.gen(function* () {
          const store = yield* CardStore;
          const secrets = yield* CardSecrets;
          const card = order(randomUUID());
          yield* store.commit({ cards: [{ expectedVersion: 0, ...card }], requests: [], actor: operator });
          const id = card.state.id;
          const expiresAt = new Date(Date.now() + 86_400_000);
          yield* secrets.putCode(id, { hash: new Uint8Array([1, 2]), salt: new Uint8Array([3]), expiresAt, forLetter: "ZXCV-BNMQ" }, 5, operator);
          assert.strictEqual((yield* secrets.code(id))?.letterProducedAt, undefined);
          const takes = yield* Effect.all(
            [1, 2, 3].map(() => secrets.takeForLetter(id, operator)),
            { concurrency: 3 },
          );
          assert.deepStrictEqual(
            takes.filter((taken) => taken !== undefined).map((taken) => taken.code),
            ["ZXCV-BNMQ"],
          );
          assert.strictEqual(yield* secrets.takeForLetter(id, operator), undefined);
          assert.instanceOf((yield* secrets.code(id))?.letterProducedAt, Date);
          const raw = yield* RawSql;
          const rows = yield* Effect.promise(() => raw.query<{ letter: Uint8Array | null }>("SELECT letter FROM activation_code WHERE card = $1", [id]));
          assert.deepStrictEqual(rows, [{ letter: null }]);
          const audited = yield* Effect.promise(() =>
            raw.query<{ event_type: string }>("SELECT event_type FROM event_log WHERE stream = $1 ORDER BY position", [`activation-code:${id}`]),
          );
          assert.deepStrictEqual(
            audited.map((row) => row.event_type),
            ["ActivationCodeIssued", "ActivationLetterProduced"],
          );
        }),
      );

      it.effect("counts activation-code misses under a lock, lets one use win, and audits each step", () =>
        Effect.gen(function* () {
          const store = yield* CardStore;
          const secrets = yield* CardSecrets;
          const card = order(randomUUID());
          yield* store.commit({ cards: [{ expectedVersion: 0, ...card }], requests: [], actor: operator });
          const id = card.state.id;
          yield* secrets.putCode(
            id,
            { hash: new Uint8Array([1, 2]), salt: new Uint8Array([3]), expiresAt: new Date(Date.now() + 86_400_000), forLetter: "ABCD-EFGH" },
            5,
            operator,
          );
          const lefts = yield* Effect.all(
            [1, 2, 3].map(() => secrets.tryCode(id, () => Effect.succeed(false), operator)),
            { concurrency: 3 },
          );
          assert.deepStrictEqual(lefts.map((tried) => tried.attemptsLeft).sort(), [2, 3, 4]);
          // Each try is judged on the count the previous one left: past the limit, the judge refuses uncounted.
          const burnable = order(randomUUID());
          yield* store.commit({ cards: [{ expectedVersion: 0, ...burnable }], requests: [], actor: operator });
          yield* secrets.putCode(
            burnable.state.id,
            { hash: new Uint8Array([1]), salt: new Uint8Array([2]), expiresAt: new Date(Date.now() + 86_400_000), forLetter: "ABCD-EFGH" },
            2,
            operator,
          );
          const tries = yield* Effect.all(
            Array.from({ length: 6 }, () =>
              Effect.result(
                secrets.tryCode(
                  burnable.state.id,
                  (stored) => ((stored?.attemptsLeft ?? 0) <= 0 ? Effect.fail("burned" as const) : Effect.succeed(false)),
                  operator,
                ),
              ),
            ),
            { concurrency: 6 },
          );
          assert.deepStrictEqual(
            tries
              .filter(Result.isSuccess)
              .map((tried) => tried.success.attemptsLeft)
              .sort(),
            [0, 1],
          );
          assert.strictEqual(tries.filter(Result.isFailure).length, 4);
          assert.strictEqual((yield* secrets.code(burnable.state.id))?.attemptsLeft, 0);
          const uses = yield* Effect.all([secrets.codeUsed(id, operator), secrets.codeUsed(id, operator)], { concurrency: 2 });
          assert.deepStrictEqual([...uses].sort(), [false, true]);
          assert.isTrue((yield* secrets.code(id))?.used);
          assert.isTrue((yield* Audit.AuditTrail.use((trail) => trail.verify)).valid);
          yield* secrets.putPuk(id, "8123456701");
          assert.strictEqual(yield* secrets.puk(id), "8123456701");
        }),
      );

      it.effect("keeps revoked certificates for the CRL until they expire, and notifications sealed", () =>
        Effect.gen(function* () {
          const registry = yield* CertificateRegistry;
          const card = randomUUID();
          for (const [serial, days] of [
            ["0a01", 30],
            ["0a02", -1],
            ["0a03", 30],
          ] as const) {
            yield* registry.record({
              serial,
              card,
              holder,
              usage: "authentication",
              notAfter: new Date(Date.now() + days * 86_400_000),
              der: new Uint8Array([48, 0]),
            });
          }
          const at = new Date();
          yield* registry.revoke(["0a01", "0a02"], "keyCompromise", at);
          yield* registry.revoke(["0a01"], "superseded", new Date(at.getTime() + 1000));
          assert.deepStrictEqual(
            (yield* registry.revokedAt(new Date())).map((entry) => [entry.serial, entry.reason]),
            [["0a01", "keyCompromise"]],
          );
          assert.strictEqual((yield* registry.find("0a03"))?.revoked, undefined);
          // CRL numbers are unique and increasing even when taken at once; the latest is the highest saved.
          const numbers = yield* Effect.all([registry.nextCrlNumber, registry.nextCrlNumber, registry.nextCrlNumber], { concurrency: 3 });
          assert.strictEqual(new Set(numbers).size, 3);
          const ascending = [...numbers].sort((a, b) => (a < b ? -1 : 1));
          for (const number of ascending) {
            yield* registry.saveCrl({
              number,
              thisUpdate: at,
              nextUpdate: new Date(at.getTime() + 86_400_000),
              entries: 1,
              der: new Uint8Array([48, Number(number)]),
            });
          }
          const latest = yield* registry.latestCrl;
          assert.strictEqual(latest?.number, ascending.at(-1));
          assert.deepStrictEqual([...(latest?.der ?? [])], [48, Number(latest?.number)]);
          const notifications = yield* CardNotifications;
          yield* notifications.send({ site, kind: "activation-code", subject: "Code d'activation", body: "Lettre produite le 2026-01-02" });
          const inbox = yield* notifications.inbox(site, 5);
          assert.strictEqual(inbox[0]?.body, "Lettre produite le 2026-01-02");
        }),
      );

      it.effect("holds and releases certificates, makes a hold final on revocation, and reads the latest CRL by number past 9", () =>
        Effect.gen(function* () {
          const registry = yield* CertificateRegistry;
          const release = registry.release as NonNullable<typeof registry.release>;
          const card = randomUUID();
          const [held, kept] = [randomUUID().replaceAll("-", ""), randomUUID().replaceAll("-", "")];
          for (const serial of [held, kept]) {
            yield* registry.record({ serial, card, holder, usage: "signature", notAfter: new Date(Date.now() + 86_400_000), der: new Uint8Array([48, 0]) });
          }
          const heldAt = new Date(Date.now() - 60_000);
          yield* registry.revoke([held, kept], "certificateHold", heldAt);
          assert.strictEqual((yield* registry.find(held))?.revoked?.reason, "certificateHold");
          assert.isTrue(yield* registry.unpublished ?? Effect.succeed(false));
          // A second hold changes nothing; a revocation replaces the hold and keeps its date.
          yield* registry.revoke([kept], "certificateHold", new Date());
          yield* registry.revoke([kept], "keyCompromise", new Date());
          assert.deepStrictEqual((yield* registry.find(kept))?.revoked, { serial: kept, revokedAt: heldAt, reason: "keyCompromise" });
          // A release lifts only a hold.
          yield* release([held, kept], new Date());
          assert.strictEqual((yield* registry.find(held))?.revoked, undefined);
          assert.strictEqual((yield* registry.find(kept))?.revoked?.reason, "keyCompromise");
          const listed = (yield* registry.revokedAt(new Date())).map((entry) => entry.serial);
          assert.isFalse(listed.includes(held));
          assert.isTrue(listed.includes(kept));
          // Past CRL 9, the latest is still the highest number (not the highest as text).
          for (let index = 0; index < 11; index++) {
            const number = yield* registry.nextCrlNumber;
            yield* registry.saveCrl({
              number,
              thisUpdate: new Date(),
              nextUpdate: new Date(Date.now() + 86_400_000),
              entries: 0,
              der: new Uint8Array([48, 0]),
            });
          }
          const [highest] = yield* RawSql.use((sql) => Effect.promise(() => sql.query<{ number: string }>("SELECT max(number)::text AS number FROM crl")));
          assert.strictEqual((yield* registry.latestCrl)?.number, BigInt(highest?.number ?? "0"));
          assert.isTrue(((yield* registry.latestCrl)?.number ?? 0n) >= 10n);
          assert.isTrue((yield* Audit.AuditTrail.use((trail) => trail.verify)).valid);
        }),
      );
    });
  });
}
