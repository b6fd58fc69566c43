/**
 * `comedec demo prepare`: a commune of the embedded demo made ready for an editor's integration
 * tests, through the use cases (no HTTP): its onboarding up to the specimen file where it is not
 * yet there (adhesion, the two conventions received and validated, the connection triggered, the
 * first cards handed over, a compatible editor under contract, its installation, the training in
 * ten days), an officier d'état civil registered face to face with the right to sign and a
 * delegation of the mayor, a virtual card ordered for them by the responsable carte, made, shipped,
 * received, its personalisation approved by the délégué (the one who orders a card never publishes
 * it alone) and handed over by the responsable carte with a known PIN at a desk of this process
 * (the card agent's operations under the platform's use cases: no PIN reaches the platform), and
 * the specimen file (re)sent, so specimen requests are pending. Running it again on the same
 * commune reuses what is there and sends the specimen file again.
 */
// biome-ignore lint/correctness/noUnusedImports: the emitted declarations name these types (TS2742 otherwise)
import type { Change } from "@comedec/actor";
// biome-ignore lint/correctness/noUnusedImports: as above
import type { Card, KeyOperations } from "@comedec/card";
// biome-ignore lint/correctness/noUnusedImports: as above
import type { Rules } from "@comedec/rgs";
import { Actor } from "@comedec/actor";
import { Lookup, Registration } from "@comedec/agaec";
import { Agent } from "@comedec/agent";
import { OrderInput } from "@comedec/card";
import { CalendarDate, Editor, InseeCode, Onboarding } from "@comedec/commune";
import { Convention } from "@comedec/convention";
import { Conventions, Directory, Onboarding as OnboardingUseCases } from "@comedec/deployment";
import { Specimen } from "@comedec/exchange";
import { Specimens } from "@comedec/exchange-platform";
import { ActivationLetters, Ordering, Production, Publication, Tracking } from "@comedec/pgca";
import { Desk } from "@comedec/platform";
import { Access } from "@comedec/rgs";
import { Clock, Effect, Schema } from "effect";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The demo's PIN, unless `--pin` names another (six digits). */
export const defaultPin = "482915";

/** The demo's editor, under contract with every prepared commune. */
export const editor = { id: "logiciel-etat-civil", name: "Logiciel État Civil", contactEmail: "contact@logiciel-etat-civil.example" };

/** What `demo prepare` prints: what an editor's program needs. */
export interface Prepared {
  readonly commune: string;
  /** The simulator's directory of virtual cards (`Simulator.layer({ directory })`); absent on PKCS#11. */
  readonly cards: string | undefined;
  readonly serial: string;
  readonly pin: string;
  readonly officer: string;
  /** The mairie's register for the specimen requests: the file sent, to answer them from. */
  readonly specimenFile: string;
  readonly pendingRequests: number;
  readonly trainingOn: string;
}

/** The demo could not go on (the reason says why). */
export class DemoRefused extends Schema.TaggedError<DemoRefused>()("DemoRefused", { message: Schema.String }) {}

/**
 * The activation code of a card, as it reaches its holder today: printed in the letter ANTS's mail
 * room produces once, read back from its PDF (kept in `directory` too, as the holder would get
 * it). The one place that knows how the code travels.
 */
export const activationCode = (ants: Actor.Actor, card: string, directory: string) =>
  Effect.gen(function* () {
    const letter = yield* ActivationLetters.produce(yield* Access.authorize(ants, "card.produce", Access.nation), card);
    writeFileSync(join(directory, `activation-letter-${card}.pdf`), letter);
    const code = ActivationLetters.codeOf(letter);
    if (code === undefined) return yield* new DemoRefused({ message: `the activation letter of card ${card} carries no code` });
    return code;
  });

const today = Effect.map(Clock.currentTimeMillis, (millis) => CalendarDate.ofInstant(new Date(millis)));

/** Prepares `commune` (INSEE code); `dataDir` receives the specimen file, `cards` is the simulator's directory. */
export const prepare = (options: { readonly commune: string; readonly pin: string; readonly dataDir: string; readonly cards: string | undefined }) =>
  Effect.gen(function* () {
    const commune = yield* Schema.decodeUnknownEffect(InseeCode.InseeCode)(options.commune);
    const departement = InseeCode.departementOf(commune);
    const target = Access.communeTarget(commune);
    const ants = Actor.Actor.make({ id: "demo-ants", name: "ANTS (démo)", role: "national-administrator", site: { _tag: "national" } });
    const prefecture = Actor.Actor.make({
      id: `demo-prefecture-${departement}`,
      name: `Préfecture ${departement} (démo)`,
      role: "prefecture-operator",
      site: { _tag: "prefecture", departement },
    });
    const mairie = Actor.Actor.make({
      id: `demo-mairie-${commune}`,
      name: `Responsable carte ${commune} (démo)`,
      role: "commune-operator",
      site: { _tag: "commune", commune },
    });
    // The mairie's second card operator: the second person of a card the responsable carte ordered.
    const delegue = Actor.Actor.make({
      id: `demo-delegue-${commune}`,
      name: `Délégué ${commune} (démo)`,
      role: "commune-operator",
      site: { _tag: "commune", commune },
    });
    const on = yield* today;
    const directory = join(options.dataDir, "demo");
    mkdirSync(directory, { recursive: true });
    const trainingOn = CalendarDate.addDays(on, 10);

    // The onboarding, each milestone only where it is not yet recorded.
    const recorded = Effect.map(
      Effect.flatMap(Access.authorize(ants, "onboarding.read", target), OnboardingUseCases.status),
      (status) => new Set(status.status.done.map((entry) => entry.milestone as string)),
    );
    const milestone = (actor: Actor.Actor, evidence: unknown) =>
      Effect.gen(function* () {
        const command = yield* Schema.decodeUnknownEffect(Onboarding.RecordMilestone)({ _tag: "RecordMilestone", evidence });
        const grant = yield* Access.authorize(actor, "onboarding.record", target);
        yield* OnboardingUseCases.execute(grant, command);
      });
    const reached = yield* recorded;
    if (!reached.has("adhesion")) yield* milestone(ants, { milestone: "adhesion", reference: "démo : formulaire en ligne" });
    if (!reached.has("conventionsReceived")) {
      const conventions: Array<string> = [];
      for (const kind of ["CARTES", "COMEDEC"]) {
        const terms = yield* Schema.decodeUnknownEffect(Convention.Terms)({
          commune,
          kind,
          signatory: { name: "Le maire", quality: "maire" },
          signedOn: on,
          responsableCarte: { name: "Alice Roux", email: `alice.roux@mairie-${commune}.example` },
          delegue: { name: "Bruno Faure", email: `bruno.faure@mairie-${commune}.example` },
        });
        const submitted = yield* Conventions.submit(yield* Access.authorize(mairie, "convention.submit", target), terms);
        const processing = yield* Access.authorize(ants, "convention.process", Access.nation);
        const receipt = yield* Schema.decodeUnknownEffect(Convention.RecordReceipt)({
          _tag: "RecordReceipt",
          receipt: { channel: "email", copies: 1, receivedOn: on },
        });
        yield* Conventions.process(processing, submitted.state.id, receipt);
        yield* Conventions.process(processing, submitted.state.id, Convention.Validate.make({}));
        conventions.push(submitted.state.id);
      }
      yield* milestone(ants, { milestone: "conventionsReceived", reference: "démo : courriel", conventions });
    }
    if (!reached.has("connectionTriggered")) yield* milestone(ants, { milestone: "connectionTriggered", reference: "démo : lecteurs expédiés" });
    if (!reached.has("handOverAppointment"))
      yield* milestone(ants, { milestone: "handOverAppointment", reference: "démo : rdv", appointmentOn: on, venue: `Préfecture ${departement}` });
    // The demo stands in for the first cards' hand-over at the prefecture (an operation's milestone,
    // which the API refuses by hand): recorded through the use case, as the publication records it.
    if (!reached.has("firstCards")) yield* milestone(prefecture, { milestone: "firstCards", reference: "démo : remise" });
    if (!reached.has("editorContract")) {
      yield* Directory.saveEditor(yield* Access.authorize(ants, "editor.manage", Access.nation), Editor.Editor.make({ ...editor, compatible: true }));
      yield* milestone(mairie, { milestone: "editorContract", reference: "démo : contrat", editor: editor.id });
    }
    if (!reached.has("installation")) yield* milestone(ants, { milestone: "installation", reference: "démo : installé" });
    // The training in ten days, so the specimen file is on time (due seven days before); once the
    // connection test has passed, the training is over and its date stays (the file may be sent
    // again until seven days before it).
    if (!reached.has("trainingAndTest")) {
      yield* OnboardingUseCases.execute(yield* Access.authorize(mairie, "onboarding.record", target), Onboarding.ScheduleTraining.make({ trainingOn }));
    }

    // The officer: registered face to face at the prefecture, signing by delegation of the mayor.
    const birthName = "Roux";
    const reading = yield* Access.authorize(prefecture, "agent.read", target);
    const existing = (yield* Lookup.search(reading, { name: birthName, site: { _tag: "commune", commune }, status: "active", limit: 10 })).items.find(
      (agent) => agent.state.profile?._tag === "officer",
    );
    const officer =
      existing?.state.id ??
      (yield* Registration.register(
        yield* Access.authorize(prefecture, "agent.register", target),
        yield* Schema.decodeUnknownEffect(Agent.Registration)({
          identity: { birthName, givenNames: ["Alice"], sex: "F", birthDate: "1981-02-03", placeOfBirth: { _tag: "commune", commune } },
          document: {
            type: "carte-nationale-identite",
            number: "AR1234567",
            issuingAuthority: `Préfecture ${departement}`,
            expiresOn: CalendarDate.addDays(on, 3650),
            holder: { birthName: birthName.toUpperCase(), givenNames: ["Alice"], birthDate: "1981-02-03" },
            check: { by: prefecture.id, on, faceToFace: true },
          },
          contact: { email: `alice.roux@mairie-${commune}.example` },
          site: { _tag: "commune", commune },
          profile: {
            _tag: "officer",
            basis: {
              _tag: "delegation",
              arrete: `arrêté du maire n° DEMO-${commune}`,
              from: on,
              until: CalendarDate.addDays(on, 365),
              mayorTermEndsOn: CalendarDate.addDays(on, 730),
            },
          },
          rights: ["receive-requests", "sign-responses", "operate-cards"],
        }),
      )).state.id;

    // Their card: an active one kept, else ordered, made, shipped, received, approved by the délégué and published with the PIN.
    const held = yield* Tracking.holders(yield* Access.authorize(mairie, "card.read", target), { commune });
    const active = held.find((holder) => holder.holder === officer)?.cards.find((card) => card.state.status === "active");
    const serial =
      active?.state.serial ??
      (yield* Effect.gen(function* () {
        const ordered = yield* Ordering.order(
          yield* Access.authorize(mairie, "card.order", target),
          yield* Schema.decodeUnknownEffect(OrderInput)({ holder: officer, reason: "démo : carte de l'officier" }),
        );
        const producing = yield* Access.authorize(ants, "card.produce", Access.nation);
        const made = yield* Production.startProduction(producing, ordered.state.id, "démo : fabrication");
        const serial = made.state.serial as string;
        yield* Production.ship(producing, ordered.state.id, "démo : envoi");
        const operating = yield* Access.authorize(mairie, "card.operate", target);
        yield* Production.receive(operating, ordered.state.id, serial, "démo : reçue");
        const code = yield* activationCode(ants, ordered.state.id, directory);
        yield* Publication.approvePersonalisation(
          yield* Access.authorize(delegue, "card.operate", target),
          ordered.state.id,
          "démo : second contrôle du délégué",
        );
        // Handed over as at a desk: the agent's card operations set the PIN (the card judges it) and make the keys.
        yield* Desk.publish(mairie, ordered.state.id, {
          activationCode: code,
          pin: options.pin,
          handOver: { document: { type: "carte-nationale-identite", number: "AR1234567" }, place: "mairie" },
          reason: "démo : remise en main propre",
        });
        return serial;
      }));

    // The specimen file, (re)sent: its requests are pending.
    const file = yield* Schema.decodeUnknownEffect(Specimen.SpecimenFile)(
      JSON.parse(readFileSync(new URL("../../../docs/examples/specimen-file.json", import.meta.url), "utf8")),
    );
    const uploaded = yield* Specimens.upload(yield* Access.authorize(mairie, "specimen.upload", target), file);
    const specimenFile = join(directory, `specimen-file-${commune}.json`);
    writeFileSync(specimenFile, `${JSON.stringify(file, null, 2)}\n`);
    const pending = yield* Specimens.pending(yield* Access.authorize(mairie, "exchange.read", target));
    return {
      commune,
      cards: options.cards,
      serial,
      pin: options.pin,
      officer,
      specimenFile,
      pendingRequests: pending.length,
      trainingOn: uploaded.trainingOn,
    } satisfies Prepared;
  });
