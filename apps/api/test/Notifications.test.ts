/**
 * Notifications reach the people they concern, over HTTP on every persistence adapter, the worker's
 * jobs run on the same services with a mailer that records what it was given:
 * - the responsable carte and the délégué a convention names are invited at the convention's
 *   addresses until they are registered, then linked to their AGAEC records (by name or address)
 *   and told so, and reached at the directory's address from then on;
 * - a moved appointment sends a new invitation; the commune is told its connection date and its
 *   connection; its prefecture is told, once, when it falls late;
 * - a card's holder is told of what happens to their card, the operators only when they must act;
 * - a notification nobody can receive is kept, never marked sent, listed to the national
 *   operator, and delivered once someone can receive it.
 */
import { Actor } from "@comedec/actor";
import { CardNotifications } from "@comedec/card";
import { Commune, type InseeCode, Onboarding } from "@comedec/commune";
import { Directory, Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { adapters } from "@comedec/persistence/testing";
import { Access, Tokens } from "@comedec/rgs";
import * as Jobs from "@comedec/worker/jobs";
import * as Mailer from "@comedec/worker/mailer";
import { Clock, Effect, Layer, ManagedRuntime } from "effect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as App from "../src/App.js";
import { client, today } from "./Routes.js";
import * as Services from "./Services.js";

const villeurbanne = "69266";
const lyon = "69123";
const ants = Actor.Actor.make({ id: "ants-notifications", name: "ANTS", role: "national-administrator", site: { _tag: "national" } });
const reference = [
  Commune.Commune.make({ code: villeurbanne as InseeCode.InseeCode, name: "Villeurbanne", departement: "69" as never, region: "84", population: 1 }),
  Commune.Commune.make({ code: lyon as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 1 }),
];

const registration = (person: { birthName: string; givenName: string; number: string; email: string }, site: unknown, rights: ReadonlyArray<string>) => ({
  identity: {
    birthName: person.birthName,
    givenNames: [person.givenName],
    sex: "F",
    birthDate: "1981-02-03",
    placeOfBirth: { _tag: "commune", commune: lyon },
  },
  document: {
    type: "carte-nationale-identite",
    number: person.number,
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: person.birthName.toUpperCase(), givenNames: [person.givenName], birthDate: "1981-02-03" },
    check: { by: "ants-notifications", on: today, faceToFace: true },
  },
  contact: { email: person.email },
  site,
  profile: rights.includes("operate-cards") ? { _tag: "officer", basis: { _tag: "deputy" } } : { _tag: "agent" },
  rights,
});
const atVilleurbanne = { _tag: "commune", commune: villeurbanne };

/** What the mailer was given. */
const sent: Array<Mailer.Message> = [];
const recording = Layer.succeed(Mailer.Mailer, Mailer.Mailer.of({ send: (message) => Effect.sync(() => void sent.push(message)) }));
/** The clock, moved ahead by `ahead` milliseconds when a test needs the platform later. */
let ahead = 0;
const movable: Clock.Clock = {
  ...Services.clockAt(0),
  currentTimeMillisUnsafe: () => Date.now() + ahead,
  currentTimeMillis: Effect.sync(() => Date.now() + ahead),
};

for (const adapter of adapters) {
  describe(`notifications to the people they concern on ${adapter.name}`, () => {
    const runtime = ManagedRuntime.make(Layer.mergeAll(Services.on(adapter.layer()), recording, Layer.succeed(Clock.Clock, movable)));
    const app = App.make(runtime, Services.suiteRateLimits);
    const { call, ok } = client(app);
    const tokens: Record<string, string> = {};
    const ids = { alice: "", claire: "", card: "" };

    const issue = async (name: string, who: Actor.Actor) => {
      tokens[name] = (await runtime.runPromise(Tokens.ActorTokens.use((store) => store.issue(who, 1, ants, "bootstrap")))).token;
    };
    /** The worker's round: the outbox read, then delivery; the mails it sent. */
    const round = async () => {
      const before = sent.length;
      await runtime.runPromise(Jobs.outbox());
      await runtime.runPromise(Jobs.deliver());
      return sent.slice(before);
    };
    const about = (mails: ReadonlyArray<Mailer.Message>, text: string) => mails.filter((mail) => mail.subject.includes(text));
    const milestone = (code: string, evidence: Record<string, unknown>) =>
      ok(tokens.ants as string, "POST", `/communes/${code}/onboarding/milestones`, { evidence: { reference: "r", ...evidence } });
    const byOperation = (milestone: string) =>
      runtime.runPromise(
        Effect.flatMap(Access.authorize(ants, "onboarding.record", Access.communeTarget(villeurbanne)), (grant) =>
          OnboardingUseCases.execute(grant, Onboarding.RecordMilestone.make({ evidence: { milestone, reference: "opération" } as Onboarding.Evidence })),
        ),
      );

    beforeAll(async () => {
      await runtime.runPromise(Effect.flatMap(Access.authorize(ants, "commune.import", Access.nation), (grant) => Directory.importReference(grant, reference)));
      await issue("ants", ants);
      // The prefecture's operator, in the directory.
      await ok(
        tokens.ants as string,
        "POST",
        "/agents",
        registration(
          { birthName: "Préfète", givenName: "Paule", number: "PP1111111", email: "paule@rhone.gouv.fr" },
          { _tag: "prefecture", departement: "69" },
          ["operate-cards", "register-agents"],
        ),
      );
      // Villeurbanne's conventions name Alice Roux and Bruno Faure, not yet in the directory.
      await milestone(villeurbanne, { milestone: "adhesion" });
      const conventions: Array<string> = [];
      for (const kind of ["CARTES", "COMEDEC"]) {
        const submitted = await ok(tokens.ants as string, "POST", `/communes/${villeurbanne}/conventions`, {
          kind,
          signatory: { name: "Le maire", quality: "maire" },
          signedOn: today,
          responsableCarte: { name: "Alice Roux", email: "alice.roux@mairie-villeurbanne.fr" },
          delegue: { name: "Bruno Faure", email: "bruno.faure@mairie-villeurbanne.fr" },
        });
        await ok(tokens.ants as string, "POST", `/conventions/${submitted.id}/receipt`, { receipt: { channel: "email", copies: 1, receivedOn: today } });
        await ok(tokens.ants as string, "POST", `/conventions/${submitted.id}/validation`, {});
        conventions.push(submitted.id);
      }
      await milestone(villeurbanne, { milestone: "conventionsReceived", conventions });
      await milestone(villeurbanne, { milestone: "connectionTriggered" });
      await round();
    }, 120_000);
    afterAll(() => runtime.dispose());

    it("invites the people the convention names at its addresses, then links them to AGAEC once registered and reaches them there", async () => {
      await milestone(villeurbanne, { milestone: "handOverAppointment", appointmentOn: "2027-01-12", venue: "Préfecture du Rhône" });
      const invitations = about(await round(), "remise de vos cartes agent le 2027-01-12");
      expect(invitations.map((mail) => [...mail.to].sort())).toEqual([["alice.roux@mairie-villeurbanne.fr", "bruno.faure@mairie-villeurbanne.fr"]]);
      expect(invitations[0]?.text).toContain("Madame, Monsieur le Maire de Villeurbanne (69266)");

      // Alice registered with another address: linked by her name, told so at the directory's address.
      ids.alice = (
        await ok(
          tokens.ants as string,
          "POST",
          "/agents",
          registration({ birthName: "Roux", givenName: "Alice", number: "AR1234567", email: "a.roux@villeurbanne.fr" }, atVilleurbanne, [
            "operate-cards",
            "receive-requests",
            "sign-responses",
          ]),
        )
      ).id;
      const linked = about(await round(), "vous êtes responsable carte de Villeurbanne");
      expect(linked.map((mail) => mail.to)).toEqual([["a.roux@villeurbanne.fr"]]);
      expect(linked[0]?.text).toContain("fiche de l'annuaire des agents (AGAEC) est désormais liée");
      await issue("alice", Actor.Actor.make({ id: ids.alice, name: "Alice Roux", role: "commune-operator", site: atVilleurbanne as never }));

      // The appointment moved: a new invitation, to Alice at her AGAEC address, Bruno still at the convention's.
      await ok(tokens.ants as string, "POST", `/communes/${villeurbanne}/onboarding/appointment/move`, {
        appointmentOn: "2027-01-19",
        venue: "Mairie de Villeurbanne",
        reference: "replanification",
        reason: "salle indisponible",
      });
      const moved = about(await round(), "rendez-vous déplacé");
      expect(moved.map((mail) => [...mail.to].sort())).toEqual([["a.roux@villeurbanne.fr", "bruno.faure@mairie-villeurbanne.fr"]]);
      expect(moved[0]?.text).toContain("Le rendez-vous du 2027-01-12 (Préfecture du Rhône) est déplacé (salle indisponible)");
      expect(moved[0]?.text).toContain("2027-01-19, à Mairie de Villeurbanne");

      // Withdrawn (recorded by mistake): nobody should travel to it; recorded again, a new invitation.
      await ok(tokens.ants as string, "POST", `/communes/${villeurbanne}/onboarding/milestones/handOverAppointment/withdrawal`, {
        reason: "session annulée par la préfecture",
      });
      const cancelled = about(await round(), "rendez-vous du 2027-01-19 annulé");
      expect(cancelled.map((mail) => [...mail.to].sort())).toEqual([["a.roux@villeurbanne.fr", "bruno.faure@mairie-villeurbanne.fr"]]);
      expect(cancelled[0]?.text).toContain("session annulée par la préfecture");
      await milestone(villeurbanne, { milestone: "handOverAppointment", appointmentOn: "2027-01-26", venue: "Préfecture du Rhône" });
      expect(about(await round(), "remise de vos cartes agent le 2027-01-26")).toHaveLength(1);
    });

    it("tells a holder what happens to their card, and the operators only when they must act", async () => {
      ids.claire = (
        await ok(
          tokens.ants as string,
          "POST",
          "/agents",
          registration({ birthName: "Martin", givenName: "Claire", number: "CM7654321", email: "claire.martin@mairie-villeurbanne.fr" }, atVilleurbanne, [
            "receive-requests",
          ]),
        )
      ).id;
      await round();
      ids.card = (await ok(tokens.alice as string, "POST", "/cards", { holder: ids.claire, reason: "nouvelle carte" })).id;
      await ok(tokens.ants as string, "POST", `/cards/${ids.card}/production`, { reason: "fabrication" });
      await ok(tokens.ants as string, "POST", `/cards/${ids.card}/shipment`, { reason: "envoi" });
      // The code's notice: Claire, whose letter it announces, and Alice, who will hand the card over.
      const codes = about(await round(), "code d'activation");
      expect(codes.map((mail) => [...mail.to].sort())).toEqual([["a.roux@villeurbanne.fr", "claire.martin@mairie-villeurbanne.fr"]]);
      await ok(tokens.alice as string, "POST", `/cards/${ids.card}/revocation`, { revocationReason: "cessationOfOperation", reason: "départ de l'agent" });
      const revoked = about(await round(), "révoquée");
      expect(revoked.map((mail) => mail.to)).toEqual([["claire.martin@mairie-villeurbanne.fr"]]);

      // Claire asks for a new card: the operators, who validate, are told; the decision goes to Claire.
      await issue("claire", Actor.Actor.make({ id: ids.claire, name: "Claire Martin", role: "agent", site: atVilleurbanne as never }));
      const request = await ok(tokens.claire as string, "POST", "/card-requests", { kind: "new-card", reason: "carte perdue, départ annulé" });
      const waiting = about(await round(), "attend votre validation");
      expect(waiting.map((mail) => mail.to)).toEqual([["a.roux@villeurbanne.fr"]]);
      await ok(tokens.alice as string, "POST", `/card-requests/${request.id}/rejection`, { reason: "une carte est déjà commandée" });
      const decided = about(await round(), "votre demande de nouvelle carte est refusée");
      expect(decided.map((mail) => mail.to)).toEqual([["claire.martin@mairie-villeurbanne.fr"]]);
      expect(decided[0]?.text).toContain("une carte est déjà commandée");
    });

    it("tells the commune its connection date and its connection, and the prefecture once when it falls late", async () => {
      await ok(tokens.ants as string, "PUT", "/editors/logiciel-etat-civil", { name: "Logiciel", contactEmail: "contact@logiciel.fr", compatible: true });
      await byOperation("firstCards");
      await milestone(villeurbanne, { milestone: "editorContract", editor: "logiciel-etat-civil" });
      await milestone(villeurbanne, { milestone: "installation" });
      await byOperation("specimenRequests");
      await runtime.runPromise(
        Effect.flatMap(Access.authorize(Actor.platform, "onboarding.record", Access.communeTarget(villeurbanne)), (grant) =>
          OnboardingUseCases.execute(grant, Onboarding.RecordConnectionTestPassed.make({ reference: "test", trainedBy: "editor" })),
        ),
      );
      // A date three days ago, not kept: the commune is late since the day after it.
      const chosen = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
      await ok(tokens.alice as string, "POST", `/communes/${villeurbanne}/onboarding/milestones`, {
        evidence: { milestone: "connectionDate", reference: "courriel", connectionOn: chosen },
      });
      const dated = about(await round(), "date de raccordement de Villeurbanne enregistrée");
      expect(dated.map((mail) => [...mail.to].sort())).toEqual([["a.roux@villeurbanne.fr", "bruno.faure@mairie-villeurbanne.fr"]]);
      expect(dated[0]?.text).toContain(`le ${chosen}`);

      expect(await runtime.runPromise(Jobs.lateAlerts)).toBe(1);
      expect(await runtime.runPromise(Jobs.lateAlerts)).toBe(1);
      const late = about(await round(), "Villeurbanne (69266) est en retard");
      expect(late.map((mail) => mail.to)).toEqual([["paule@rhone.gouv.fr"]]);
      expect(late[0]?.text).toContain("date de raccordement choisie dépassée");

      await milestone(villeurbanne, { milestone: "connected" });
      const connected = about(await round(), "Villeurbanne est raccordée");
      expect(connected.map((mail) => [...mail.to].sort())).toEqual([["a.roux@villeurbanne.fr", "bruno.faure@mairie-villeurbanne.fr"]]);
      expect(await runtime.runPromise(Jobs.lateAlerts)).toBe(0);
    });

    it("keeps a notification nobody can receive, lists it to the national operator, and delivers it once someone can", async () => {
      // Lyon is under the obligation and late, with neither a convention nor a card operator.
      await ok(tokens.ants as string, "POST", `/communes/${lyon}/onboarding/maternity`, { hasMaternity: true, reference: "recensement" });
      await runtime.runPromise(Jobs.deadlineDigests);
      const mails = await round();
      expect(about(mails, "point hebdomadaire").map((mail) => mail.to)).toEqual([["paule@rhone.gouv.fr"]]);
      expect(about(mails, "rappel")).toEqual([]);
      const unsent = await runtime.runPromise(CardNotifications.use((notifications) => notifications.unsent(100)));
      expect(unsent.map((notification) => [notification.kind, notification.site])).toEqual([["deadline-reminder", { _tag: "commune", commune: lyon }]]);
      // Not yet reported: the worker delivers within seconds; 16 minutes later, it is.
      expect((await ok(tokens.ants as string, "GET", "/monitoring/notifications")).count).toBe(0);
      ahead = 16 * 60_000;
      try {
        const report = await ok(tokens.ants as string, "GET", "/monitoring/notifications");
        expect(report).toMatchObject({ count: 1, kept: [{ kind: "deadline-reminder", site: `commune:${lyon}` }] });
        expect(report.kept[0].subject).toContain("rappel");
        expect((await call(tokens.alice as string, "GET", "/monitoring/notifications")).status).toBe(403);
      } finally {
        ahead = 0;
      }
      // A card operator registered at Lyon: the next delivery reaches them.
      await ok(
        tokens.ants as string,
        "POST",
        "/agents",
        registration(
          { birthName: "Blanc", givenName: "Jeanne", number: "JB2222222", email: "jeanne.blanc@mairie-lyon.fr" },
          { _tag: "commune", commune: lyon },
          ["operate-cards"],
        ),
      );
      const delivered = about(await round(), "rappel");
      expect(delivered.map((mail) => mail.to)).toEqual([["jeanne.blanc@mairie-lyon.fr"]]);
      expect(await runtime.runPromise(CardNotifications.use((notifications) => notifications.unsent(100)))).toEqual([]);
    });
  });
}
