/**
 * One contract suite for the `CardPlatform` port, run against the local platform (use cases on
 * the database) and against the typed HTTP client (through the real Hono app on a real socket),
 * each on PGlite and, when DATABASE_URL is set, on PostgreSQL: a card's life at the port, the
 * refusals as typed errors, and two operators racing on the same card or request. The operator who
 * registered the holder and ordered their card never publishes it alone: the délégué approves its
 * personalisation first, from their own session. No port carries a PIN: a card is handed over at a
 * desk of the suite's process (`Desk`: the card agent's operations on the suite's cards under the
 * platform's use cases, on the same database the port serves), and read back through the port.
 */
import { Actor } from "@comedec/actor";
import { Local as Directory } from "@comedec/agaec";
import type { Agent } from "@comedec/agent";
import { SmartCards } from "@comedec/card";
import { Commune, type InseeCode } from "@comedec/commune";
import { Directory as Deployment } from "@comedec/deployment";
import { type CardPlatformShape, Local } from "@comedec/pgca";
import { PgcaClient } from "@comedec/pgca-client";
import { Desk } from "@comedec/platform";
import type { Persistence } from "@comedec/persistence";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import { serve } from "@hono/node-server";
import { Effect, type Layer, ManagedRuntime, Result } from "effect";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import * as Services from "./Services.js";
import * as Letters from "./Letters.js";

const lyon = { _tag: "commune", commune: "69123" } as const;
const actors = {
  ants: Actor.Actor.make({ id: "ants", name: "ANTS", role: "national-administrator", site: { _tag: "national" } }),
  operator: Actor.Actor.make({ id: "rc-lyon", name: "RC Lyon", role: "commune-operator", site: lyon }),
  deputy: Actor.Actor.make({ id: "delegue-lyon", name: "Délégué Lyon", role: "commune-operator", site: lyon }),
  paris: Actor.Actor.make({ id: "rc-paris", name: "RC Paris", role: "commune-operator", site: { _tag: "commune", commune: "75056" } }),
};
const today = new Date().toISOString().slice(0, 10);

const registration = (birthName: string, number: string): Agent.Registration =>
  ({
    identity: { birthName, givenNames: ["Camille"], sex: "F", birthDate: "1985-06-01", placeOfBirth: { _tag: "abroad", country: "BE", city: "Namur" } },
    document: {
      type: "passeport",
      number,
      issuingAuthority: "Préfecture",
      expiresOn: "2034-01-01",
      holder: { birthName, givenNames: ["Camille"], birthDate: "1985-06-01" },
      check: { by: "rc-lyon", on: today, faceToFace: true },
    },
    contact: { email: "camille@mairie-lyon.fr" },
    site: { _tag: "commune", commune: "69123" },
    profile: { _tag: "agent" },
    rights: ["receive-requests"],
  }) as never;

interface Harness {
  readonly platform: (actor: Actor.Actor) => Promise<CardPlatformShape>;
  readonly runtime: ManagedRuntime.ManagedRuntime<App.Services, never>;
  readonly close: () => Promise<void>;
}

const start = async (layer: () => Layer.Layer<Persistence.Ports>, over: "local" | "http", driver: "simulator" | "softhsm"): Promise<Harness> => {
  const runtime = ManagedRuntime.make(Services.on(layer(), driver));
  const reference = [
    Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
    Commune.Commune.make({ code: "75056" as InseeCode.InseeCode, name: "Paris", departement: "75" as never, region: "11", population: 1 }),
  ];
  await runtime.runPromise(
    Effect.flatMap(Access.authorize(actors.ants, "commune.import", Access.nation), (grant) => Deployment.importReference(grant, reference)),
  );
  if (over === "local") return { runtime, platform: (actor) => runtime.runPromise(Local.make(actor)), close: () => runtime.dispose() };
  const server = serve({ fetch: App.make(runtime, Services.suiteRateLimits).fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokens = new Map<string, string>();
  const platform = async (actor: Actor.Actor) => {
    if (!tokens.has(actor.id))
      tokens.set(actor.id, (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(actor, 1, actors.ants, "bootstrap")))).token);
    return PgcaClient.make({ baseUrl, token: tokens.get(actor.id) as string });
  };
  return { runtime, platform, close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => runtime.dispose()) };
};

const run = <A>(effect: Effect.Effect<A, unknown>) => Effect.runPromise(effect);
const refusal = (effect: Effect.Effect<unknown, { readonly _tag: string }>) => Effect.runPromise(Effect.flip(effect));

// Every adapter with virtual cards; SoftHSM2's tokens (when installed) on the embedded database.
const combinations = adapters.flatMap((adapter) =>
  Services.drivers
    .filter((driver) => driver === "simulator" || adapter.name === "pglite")
    .flatMap((driver) => (["local", "http"] as const).map((over) => ({ adapter, driver, over }))),
);

for (const { adapter, driver, over } of combinations) {
  describe(`CardPlatform (${over}) on ${adapter.name} with ${driver} cards`, () => {
    let harness: Harness;
    let holder = "";
    beforeAll(async () => {
      harness = await start(adapter.layer, over, driver);
      holder = (await harness.runtime.runPromise(Directory.forActor(actors.operator, (directory) => directory.register(registration("Perrin", "CP1234567")))))
        .state.id;
    }, 120_000);
    afterAll(() => harness.close());

    const as = (actor: Actor.Actor) => harness.platform(actor);
    // The code, the holder's way: from the letter ANTS's mail room produces once.
    const codeOf = async (card: string) => {
      return await harness.runtime.runPromise(Letters.codeFromLetterOf(actors.ants, card));
    };
    /** A card of the holder, ordered, produced, shipped and received. */
    const received = async () => {
      const operator = await as(actors.operator);
      const ants = await as(actors.ants);
      const ordered = await run(operator.order({ holder, reason: "nouvel agent" }));
      const produced = await run(ants.startProduction(ordered.state.id, "fabrication"));
      await run(ants.ship(ordered.state.id, "envoi"));
      await run(operator.receive(ordered.state.id, produced.state.serial as string, "reçue"));
      return { id: ordered.state.id, serial: produced.state.serial as string };
    };
    /** A received card whose personalisation the délégué approved: the second person of its publication. */
    const approved = async () => {
      const card = await received();
      const deputy = await as(actors.deputy);
      expect((await run(deputy.approvePersonalisation(card.id, "second contrôle"))).state.personalisationApprovedBy).toBe(actors.deputy.id);
      return card;
    };
    /** The hand-over at a desk of the suite's process, by `actor`. */
    const publish = (actor: Actor.Actor, card: string, input: ReturnType<typeof publication>) => harness.runtime.runPromise(Desk.publish(actor, card, input));
    const publishRefused = (actor: Actor.Actor, card: string, input: ReturnType<typeof publication>) =>
      harness.runtime.runPromise(Effect.flip(Desk.publish(actor, card, input)));
    const publication = (code: string, pin = "482915") => ({
      activationCode: code,
      pin,
      handOver: { document: { type: "passeport" as const, number: "CP1234567" }, place: "mairie" as const },
      reason: "remise en main propre",
    });

    it("orders, produces, ships, receives and publishes a card, whose PIN then works on the card", async () => {
      const card = await received();
      const operator = await as(actors.operator);
      const code = await codeOf(card.id);
      // The operator registered the holder and ordered the card: alone, or approving it themselves, they may not publish it.
      expect(await publishRefused(actors.operator, card.id, publication(code))).toMatchObject({ _tag: "DualControlRequired", rule: "roles.dual-control" });
      await run(operator.approvePersonalisation(card.id, "moi-même"));
      expect(await publishRefused(actors.operator, card.id, publication(code))).toMatchObject({ _tag: "DualControlRequired", rule: "roles.dual-control" });
      await run((await as(actors.deputy)).approvePersonalisation(card.id, "second contrôle"));
      const published = await publish(actors.operator, card.id, publication(code));
      expect(published).toMatchObject({ version: 7, state: { status: "active", serial: card.serial } });
      expect(await run(operator.card(card.id))).toEqual(published);
      expect(published.state.certificates?.authentication.algorithm).toBe("prime256v1");
      // The certificates are on the card itself, bound to the keys generated there.
      const onCard = await harness.runtime.runPromise(SmartCards.use((cards) => cards.readCertificate(card.serial, "signature")));
      expect(Buffer.from(onCard).toString("hex")).toContain(published.state.certificates?.signature.serial as string);
      // The holder's PIN opens the card; another is refused there.
      expect(await harness.runtime.runPromise(Effect.flip(Desk.checkPin(actors.operator, card.id, card.serial, "000000")))).toMatchObject({
        _tag: "PinIncorrect",
      });
      await harness.runtime.runPromise(Desk.checkPin(actors.operator, card.id, card.serial, "482915"));
      expect((await run(operator.card(card.id))).state.status).toBe("active");
      expect((await run(operator.holders({}))).find((entry) => entry.holder === holder)?.cards.map((view) => view.state.id)).toContain(card.id);
    });

    it("refuses illegal transitions and foreign sites with typed errors", async () => {
      const card = await approved();
      const ants = await as(actors.ants);
      expect(await refusal(ants.ship(card.id, "encore"))).toMatchObject({
        _tag: "CardIllegalTransition",
        state: "received",
        rule: expect.stringContaining("in production"),
      });
      expect(await refusal((await as(actors.paris)).card(card.id))).toMatchObject({ _tag: "Forbidden" });
      expect(await refusal((await as(actors.operator)).order({ holder: "00000000-0000-4000-8000-000000000000", reason: "inconnu" }))).toMatchObject({
        _tag: "AgentNotFound",
      });
      expect(await publishRefused(actors.operator, card.id, publication("0000-0000-0000-0000"))).toMatchObject({
        _tag: "ActivationCodeInvalid",
        attemptsLeft: 4,
      });
      expect((await run((await as(actors.operator)).card(card.id))).state.status).toBe("received");
    });

    it("lets exactly one of two operators publishing the same card at two desks win", async () => {
      const card = await approved();
      const code = await codeOf(card.id);
      const first = await as(actors.operator);
      const outcomes = await Promise.all(
        [actors.operator, actors.deputy].map((actor) => harness.runtime.runPromise(Effect.result(Desk.publish(actor, card.id, publication(code))))),
      );
      expect(outcomes.filter(Result.isSuccess)).toHaveLength(1);
      const loser = outcomes.find(Result.isFailure);
      // The loser raced the code's use (stale), found it used, or found the winner's hand-over just begun.
      expect(loser !== undefined && Result.isFailure(loser) && loser.failure._tag).toMatch(/ConcurrentModification|ActivationCodeInvalid|KeyOperationUnderWay/);
      expect((await run(first.card(card.id))).version).toBe(6);
      expect((await run(first.card(card.id))).state.status).toBe("active");
    });

    it("lets exactly one of two operators validating the same request win, and orders one card", async () => {
      const card = await approved();
      const operator = await as(actors.operator);
      await publish(actors.operator, card.id, publication(await codeOf(card.id)));
      const holderActor = Actor.Actor.make({ id: holder, name: "Camille Perrin", role: "agent", site: lyon });
      const holderPlatform = await as(holderActor);
      const submitted = await run(holderPlatform.submitRequest({ kind: "card-renewal", card: card.id, reason: "puce abîmée" }));
      expect(await refusal(holderPlatform.validateRequest(submitted.state.id, "moi"))).toMatchObject({ _tag: "Forbidden" });
      const deputy = await as(actors.deputy);
      const outcomes = await Promise.all([
        Effect.runPromise(Effect.result(operator.validateRequest(submitted.state.id, "accord"))),
        Effect.runPromise(Effect.result(deputy.validateRequest(submitted.state.id, "accord"))),
      ]);
      expect(outcomes.filter(Result.isSuccess)).toHaveLength(1);
      // The loser either raced the same version (stale) or read the request already validated: a 409 either way.
      const loser = outcomes.find(Result.isFailure);
      expect(loser !== undefined && Result.isFailure(loser) && loser.failure._tag).toMatch(/ConcurrentModification|CardIllegalTransition/);
      const replacements = (await run(operator.holders({ commune: "69123" })))
        .flatMap((entry) => entry.cards)
        .filter((view) => view.state.replaces === card.id);
      expect(replacements).toHaveLength(1);
      expect((await run(operator.requests({ commune: "69123" }, "validated"))).map((view) => view.state.id)).toContain(submitted.state.id);
    });
  });
}
