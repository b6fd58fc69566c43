/**
 * The card platform's use cases on its ports, for one actor. Each operation authorises first
 * (`Access.authorize` on the card's site, narrowed to a holder's own cards and to a prefecture's
 * first two cards of a commune), asks `Card.decide` before touching any secret or any card, then
 * does the work on the card (through the smart-card port) and the PKI, and commits every record
 * it changed in one transaction. The first two cards of a commune advance its onboarding
 * milestones: the connection triggered, the first cards handed over, the commune autonomous.
 */
import { type Actor, Change } from "@comedec/actor";
import { Agent, AgentStore } from "@comedec/agent";
import {
  Card,
  CardManufacturer,
  CardNotifications,
  CardSecrets,
  CardStore,
  CertificateAuthority,
  type KeyAlgorithm,
  PinLocked,
  pinProblem,
  PinRejected,
  Request,
  Secrets,
  SmartCards,
  type Write,
} from "@comedec/card";
import { CalendarDate, type InseeCode, Onboarding, OnboardingStore } from "@comedec/commune";
import { Access, Rules } from "@comedec/rgs";
import { Clock, Effect, Layer, Result } from "effect";
import * as Hashing from "./Hashing.js";
import {
  ActivationCodeInvalid,
  CardPlatform,
  type CardView,
  DualControlRequired,
  FirstCardsMissing,
  HandOverDocumentMismatch,
  HolderNotActive,
  type PublishInput,
  type RequestInput,
  SecretAnswersRefused,
  type SiteFilter,
} from "./Platform.js";

/** The platform itself, when it fires a transition on its own (a PIN blocked, a card replaced). */
export const platformActor = (on: Actor.Actor): Actor.Actor => ({ ...on, id: "system", name: "Plateforme COMEDEC" }) as Actor.Actor;

const decided = <A, E>(result: Result.Result<A, E>): Effect.Effect<A, E> =>
  Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure);

const newId = () => globalThis.crypto.randomUUID();

const keyUsages: ReadonlyArray<Card.KeyUsage> = ["authentication", "signature"];

type CardWrite = Write<Card.State, Card.Event>;
type RequestWrite = Write<Request.State, Request.Event>;

/** Builds the card platform for one actor. */
export const make = (actor: Actor.Actor) =>
  Effect.gen(function* () {
    const store = yield* CardStore;
    const secrets = yield* CardSecrets;
    const authority = yield* CertificateAuthority;
    const notifications = yield* CardNotifications;
    const cards = yield* SmartCards;
    const manufacturer = yield* CardManufacturer;
    const agents = yield* AgentStore;
    const onboarding = yield* OnboardingStore;

    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis));
    const today = Effect.map(now, CalendarDate.ofInstant);

    /** Decides a card command for an actor and gives the write it makes. */
    const step = (view: CardView | undefined, command: Card.Command, by: Actor.Actor = actor) =>
      Effect.flatMap(today, (on) =>
        Effect.map(
          decided(Card.decide(view?.state, command, { actor: by, today: on })),
          (events): CardWrite => ({
            expectedVersion: view?.version ?? 0,
            state: events.reduce<Card.State | undefined>(Card.evolve, view?.state) as Card.State,
            events,
          }),
        ),
      );

    const requestStep = (view: { readonly state: Request.State; readonly version: number } | undefined, command: Request.Command, by: Actor.Actor = actor) =>
      Effect.flatMap(today, (on) =>
        Effect.map(
          decided(Request.decide(view?.state, command, { actor: by, today: on })),
          (events): RequestWrite => ({
            expectedVersion: view?.version ?? 0,
            state: events.reduce<Request.State | undefined>(Request.evolve, view?.state) as Request.State,
            events,
          }),
        ),
      );

    const commit = (cardWrites: ReadonlyArray<CardWrite>, requestWrites: ReadonlyArray<RequestWrite> = []) =>
      store.commit({ cards: cardWrites, requests: requestWrites, actor });

    const viewOf = (write: CardWrite): CardView => ({ state: write.state, version: write.expectedVersion + write.events.length });

    const forbidden = (permission: Access.Permission, site: Agent.AgentSite, reason: string) =>
      new Access.Forbidden({ permission, role: actor.role, site: Agent.siteKey(site), reason });

    /** Authorises a permission on a card: its site, a holder's own cards only, a prefecture's first two cards of a commune. */
    const authorizeOn = (permission: Access.Permission, card: Card.State) =>
      Effect.gen(function* () {
        yield* Access.authorize(actor, permission, Access.siteTarget(card.site));
        if (actor.role === "agent" && card.holder !== actor.id) return yield* forbidden(permission, card.site, "a holder acts on their own cards only");
        if (actor.role === "prefecture-operator" && card.site._tag === "commune" && card.firstCard === undefined) {
          return yield* forbidden(permission, card.site, "a prefecture handles only a commune's first two cards; the commune's operators handle the others");
        }
      });

    const loadFor = (permission: Access.Permission, id: string) => Effect.tap(store.load(id), (view) => authorizeOn(permission, view.state));

    const activeHolder = (id: string) =>
      Effect.flatMap(agents.load(id), (snapshot) =>
        snapshot.state.status === "active"
          ? Effect.succeed(snapshot.state)
          : Effect.fail(new HolderNotActive({ holder: id, reason: `the agent is ${snapshot.state.status}` })),
      );

    // --- onboarding milestones --------------------------------------------------------------

    /**
     * Checks that a milestone can be recorded now, and returns what records it (nothing when it
     * already is, or when the actor's role does not record it: ANTS then records it by hand).
     */
    const prepareMilestone = (commune: string, evidence: Onboarding.Evidence) =>
      Effect.gen(function* () {
        const definition = Onboarding.machine.milestones.find((entry) => entry.milestone === evidence.milestone);
        if (definition === undefined || !(definition.recordedBy as ReadonlyArray<string>).includes(actor.role)) return Effect.void;
        const at = yield* now;
        const decide = (snapshot: { readonly state: Onboarding.State }) =>
          Onboarding.decide(snapshot.state, { _tag: "RecordMilestone", evidence }, { actor, now: at });
        const first = decide(yield* onboarding.load(commune as InseeCode.InseeCode));
        if (Result.isFailure(first)) return first.failure._tag === "MilestoneAlreadyRecorded" ? Effect.void : yield* Effect.fail(first.failure);
        // The milestone is appended after the card's own commit: reload, and let a concurrent recording win.
        const record = Effect.gen(function* () {
          const snapshot = yield* onboarding.load(commune as InseeCode.InseeCode);
          const decision = decide(snapshot);
          if (Result.isFailure(decision)) return;
          const state = decision.success.reduce(Onboarding.evolve, snapshot.state);
          yield* onboarding.append({ expectedVersion: snapshot.version, state, events: decision.success, actor });
        }).pipe(Effect.retry({ times: 3 }), Effect.ignore);
        return record;
      });

    // --- secrets ----------------------------------------------------------------------------

    const issueActivationCode = (card: Card.State) =>
      Effect.gen(function* () {
        const code = Hashing.newActivationCode();
        const salt = Hashing.newSalt();
        const expiresAt = new Date((yield* now).getTime() + Secrets.codeValidityDays * 86_400_000);
        yield* secrets.putCode(card.id, { hash: yield* Hashing.hash(code, salt), salt, expiresAt }, Secrets.codeAttempts, actor);
        yield* notifications.send({
          site: card.site,
          kind: "activation-code",
          subject: "COMEDEC — code d'activation d'une carte agent",
          body: [
            `Carte ${card.serial ?? card.id} (${card.firstCard === "responsable-carte" ? "responsable carte" : card.firstCard === "delegue" ? "délégué" : "agent"}).`,
            `Code d'activation : ${Secrets.formatCode(code)}`,
            `À présenter avec une pièce d'identité lors de la remise de la carte, avant le ${CalendarDate.ofInstant(expiresAt)}.`,
          ].join("\n"),
        });
      });

    /** Checks a typed activation code; a wrong one costs a try, which the store counts and audits. */
    const checkActivationCode = (card: string, typed: string) =>
      Effect.gen(function* () {
        const stored = yield* secrets.code(card);
        const refuse = (reason: string, attemptsLeft: number) => Effect.fail(new ActivationCodeInvalid({ card, reason, attemptsLeft }));
        if (stored === undefined) return yield* refuse("no activation code was sent for this card", 0);
        if (stored.used) return yield* refuse("the activation code was already used", 0);
        if (stored.attemptsLeft <= 0) return yield* refuse("too many wrong codes: a new code must be sent", 0);
        if (stored.expiresAt.getTime() <= (yield* now).getTime()) return yield* refuse("the activation code has expired", stored.attemptsLeft);
        if (!(yield* Hashing.matches(Secrets.normaliseCode(typed), stored.salt, stored.hash))) {
          const left = yield* secrets.codeMissed(card, actor);
          return yield* refuse(left === 0 ? "wrong code; it is now burned and a new code must be sent" : "wrong code", left);
        }
      });

    /** Authenticates a holder at a distance by their secret answers; failures are counted and lock the questions. */
    const checkAnswers = (holder: string, answers: ReadonlyArray<{ readonly question: number; readonly answer: string }> | undefined) =>
      Effect.gen(function* () {
        const refuse = (reason: string, locked = false) => Effect.fail(new SecretAnswersRefused({ holder, reason, locked }));
        const stored = yield* secrets.questions(holder);
        if (stored === undefined) return yield* refuse("the holder has no secret questions: authenticate them face to face");
        if (stored.failures >= Secrets.answerAttempts) return yield* refuse("too many wrong answers: the questions are locked until reset face to face", true);
        const given = answers ?? [];
        const indexes = new Set(given.map((entry) => entry.question));
        if (given.length < Secrets.questionsAsked || indexes.size !== given.length || given.some((entry) => entry.question >= stored.questions.length)) {
          return yield* refuse(`answer ${Secrets.questionsAsked} distinct questions of the holder's ${stored.questions.length}`);
        }
        const results = yield* Effect.forEach(
          given,
          (entry) =>
            Hashing.matches(
              Secrets.normaliseAnswer(entry.answer),
              Hashing.answerSalt(stored.salt, entry.question),
              stored.answerHashes[entry.question] as Uint8Array,
            ),
          { concurrency: "unbounded" },
        );
        if (results.every(Boolean)) return yield* secrets.answersMatched(holder, actor);
        const failures = yield* secrets.answersMissed(holder, actor);
        return yield* refuse("wrong answers", failures >= Secrets.answerAttempts);
      });

    const checkNewPin = (serial: string, pin: string) => {
      const problem = pinProblem(pin);
      return problem === undefined ? Effect.void : Effect.fail(new PinRejected({ serial, reason: problem }));
    };

    // --- the card itself --------------------------------------------------------------------

    /** Generates both key pairs on the card and has them certified; the card holds the certificates after. */
    const personalise = (card: Card.State, pin: string, algorithm: KeyAlgorithm) =>
      Effect.gen(function* () {
        const serial = card.serial as string;
        const holder = yield* agents.load(card.holder);
        const identity = holder.state.identity;
        const subject = {
          holder: card.holder,
          givenName: identity?.givenNames.join(" ") ?? "",
          surname: identity?.usedName ?? identity?.birthName ?? "",
          site: card.site,
          card: card.id,
        };
        yield* cards.login(serial, pin);
        const issued = yield* Effect.forEach(keyUsages, (usage) =>
          Effect.gen(function* () {
            const key = yield* cards.generateKeyPair(serial, usage, algorithm);
            const certificate = yield* authority.issueForCard({
              subject,
              usage,
              algorithm,
              publicKey: key.publicKey,
              signWithCardKey: (data) => cards.sign(serial, usage, data, usage === "signature" ? pin : undefined),
            });
            yield* cards.writeCertificate(serial, usage, certificate.der);
            return certificate.ref;
          }),
        ).pipe(Effect.ensuring(Effect.ignore(cards.logout(serial))));
        return { authentication: issued[0], signature: issued[1] } as Card.Certificates;
      });

    const serialsOf = (card: Card.State) =>
      card.certificates === undefined ? [] : [card.certificates.authentication.serial, card.certificates.signature.serial];

    const revokeCertificates = (card: Card.State, reason: Card.RevocationReason) => Effect.flatMap(now, (at) => authority.revoke(serialsOf(card), reason, at));

    /** Validated requests of a kind for a card, fulfilled by the operation that carries them out. */
    const fulfilValidated = (card: Card.State, kind: Request.Kind, reason: string) =>
      Effect.gen(function* () {
        const waiting = (yield* store.requests({ holder: card.holder }, { status: "validated", limit: 50 })).filter(
          (request) => request.state.kind === kind && request.state.card === card.id,
        );
        return yield* Effect.forEach(waiting, (request) => requestStep(request, { _tag: "Fulfil", reason }));
      });

    // --- use cases --------------------------------------------------------------------------

    const orderWrite = (
      holderId: string,
      options: { readonly firstCard?: Card.FirstCard; readonly request?: string; readonly replaces?: string; readonly reason: string },
    ) =>
      Effect.gen(function* () {
        const holder = yield* activeHolder(holderId);
        if (options.firstCard !== undefined) {
          if (holder.site._tag !== "commune") return yield* forbidden("card.order", holder.site, "only a commune has first cards");
          if (actor.role === "commune-operator") return yield* forbidden("card.order", holder.site, "the prefecture orders a commune's first two cards");
        }
        const draft: Card.State = {
          id: "",
          holder: holderId,
          site: holder.site,
          status: "ordered",
          lastReason: "",
          ...(options.firstCard === undefined ? {} : { firstCard: options.firstCard }),
        };
        yield* authorizeOn("card.order", draft);
        return yield* step(undefined, {
          _tag: "Order",
          id: newId(),
          holder: holderId,
          site: holder.site,
          reason: options.reason,
          ...(options.firstCard === undefined ? {} : { firstCard: options.firstCard }),
          ...(options.request === undefined ? {} : { request: options.request }),
          ...(options.replaces === undefined ? {} : { replaces: options.replaces }),
        });
      });

    const order = (input: { readonly holder: string; readonly firstCard?: Card.FirstCard; readonly reason: string }) =>
      Effect.gen(function* () {
        const write = yield* orderWrite(input.holder, input);
        yield* commit([write]);
        return viewOf(write);
      });

    /** Runs a plain transition (no secret, no card) and commits it. */
    const transition = (permission: Access.Permission, id: string, command: Card.Command) =>
      Effect.gen(function* () {
        const view = yield* loadFor(permission, id);
        const write = yield* step(view, command);
        yield* commit([write]);
        return viewOf(write);
      });

    const startProduction = (id: string, reason: string) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.produce", id);
        // Refuse an illegal transition before the manufacturer makes anything.
        yield* step(view, { _tag: "StartProduction", serial: "PENDING", reason });
        const puk = Hashing.newPuk();
        const { serial } = yield* manufacturer.manufacture({ card: id, puk, label: `COMEDEC ${Agent.siteKey(view.state.site)}` });
        yield* secrets.putPuk(id, puk);
        const write = yield* step(view, { _tag: "StartProduction", serial, reason });
        yield* commit([write]);
        return viewOf(write);
      });

    const ship = (id: string, reason: string) =>
      Effect.gen(function* () {
        const view = yield* transition("card.produce", id, { _tag: "Ship", reason });
        // A commune's first cards get their codes when ANTS triggers the connection; the others now.
        if (view.state.firstCard === undefined) yield* issueActivationCode(view.state);
        return view;
      });

    const triggerConnection = (commune: string, reason: string) =>
      Effect.gen(function* () {
        const site: Agent.AgentSite = { _tag: "commune", commune: commune as InseeCode.InseeCode };
        yield* Access.authorize(actor, "card.produce", Access.siteTarget(site));
        const firsts = (yield* store.cards({ site }, { status: ["ordered", "in-production", "shipped", "received"], limit: 10 })).filter(
          (view) => view.state.firstCard !== undefined,
        );
        const missing = Card.FirstCard.literals.filter((kind) => !firsts.some((view) => view.state.firstCard === kind));
        if (missing.length > 0) return yield* new FirstCardsMissing({ commune, missing });
        const record = yield* prepareMilestone(commune, {
          milestone: "connectionTriggered",
          reference: `PGCA ${CalendarDate.ofInstant(yield* now)}`,
          note: `Lecteurs de cartes expédiés, puis codes d'activation envoyés à la mairie. ${reason}`,
        });
        yield* Effect.forEach(firsts, (view) => issueActivationCode(view.state));
        yield* record;
        return { codesSent: firsts.length };
      });

    const receive = (id: string, serial: string, reason: string) => transition("card.operate", id, { _tag: "Receive", serial, reason });

    const approvePersonalisation = (id: string, reason: string) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.operate", id);
        const write = yield* step(view, { _tag: "ApprovePersonalisation", approver: actor.id, reason });
        yield* commit([write]);
        return viewOf(write);
      });

    const publish = (id: string, input: PublishInput) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.operate", id);
        const card = view.state;
        const handOver = { ...input.handOver, activationCodePresented: true as const };
        const placeholder = { serial: "00", notBefore: "", notAfter: "", algorithm: "" };
        // Every refusal that needs no secret comes first: the state, the party, the holder, the document, the PIN rules, the milestone.
        yield* step(view, { _tag: "Publish", handOver, certificates: { authentication: placeholder, signature: placeholder }, reason: input.reason });
        // At the prefecture, personalising a holder's card takes two trusted people: one approved it.
        if (actor.role === "prefecture-operator") {
          const approvedBy = card.personalisationApprovedBy;
          const violation = Rules.rules.dualControl.check({
            operation: "the prefecture's personalisation of a card",
            confirmedBy: approvedBy === undefined ? [actor.id] : [approvedBy, actor.id],
          });
          if (violation !== undefined) {
            return yield* new DualControlRequired({
              card: id,
              rule: violation.rule,
              reason: `${violation.detail}: another operator of the prefecture approves the personalisation first`,
            });
          }
        }
        const holder = yield* activeHolder(card.holder);
        if (holder.document?.type !== input.handOver.document.type || holder.document?.number !== input.handOver.document.number) {
          return yield* new HandOverDocumentMismatch({ card: id });
        }
        yield* checkNewPin(card.serial as string, input.pin);
        const record =
          card.firstCard === undefined || card.site._tag !== "commune"
            ? Effect.void
            : yield* prepareMilestone(card.site.commune, {
                milestone: card.firstCard === "responsable-carte" ? "firstCards" : "autonomy",
                reference: `PGCA carte ${card.serial ?? id}`,
                note:
                  card.firstCard === "responsable-carte"
                    ? "Carte du responsable carte remise en main propre et activée."
                    : "Carte du délégué activée à la mairie.",
              });
        yield* checkActivationCode(id, input.activationCode);
        // One use wins: a second operator publishing the same card at the same time stops here.
        if (!(yield* secrets.codeUsed(id, actor))) return yield* new Change.ConcurrentModification({ stream: `card:${id}`, expectedVersion: view.version });
        const puk = yield* secrets.puk(id);
        yield* cards.unblock(card.serial as string, puk ?? "", input.pin);
        const certificates = yield* personalise(card, input.pin, input.algorithm ?? "P-256");
        const write = yield* step(view, { _tag: "Publish", handOver, certificates, reason: input.reason });
        const requestWrites =
          card.request === undefined
            ? []
            : [yield* requestStep(yield* store.loadRequest(card.request), { _tag: "Fulfil", reason: "carte remise et activée" }, platformActor(actor))];
        const replaced = card.replaces === undefined ? undefined : yield* store.load(card.replaces);
        const replacedWrites =
          replaced === undefined || Card.terminal.includes(replaced.state.status)
            ? []
            : [yield* step(replaced, { _tag: "Replace", by: id, reason: "carte de renouvellement activée" }, platformActor(actor))];
        yield* commit([write, ...replacedWrites], requestWrites);
        for (const old of replacedWrites) yield* revokeCertificates(old.state, "superseded");
        yield* record;
        return viewOf(write);
      });

    const verifyPin = (id: string, pin: string, evenIfFinalTry = false) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.operate", id);
        if (view.state.status === "pin-blocked") return yield* new PinLocked({ serial: view.state.serial ?? id, secret: "pin" });
        // Only an active card takes PIN tries: the table of BlockPin says which states, and refuses the others by name.
        yield* step(view, { _tag: "BlockPin", reason: "vérification du code PIN" });
        const serial = view.state.serial as string;
        return yield* cards.login(serial, pin, { evenIfFinalTry }).pipe(
          Effect.tap(() => cards.logout(serial)),
          Effect.as({ verified: true as const }),
          Effect.tapError((error) =>
            error._tag === "PinLocked" && error.secret === "pin"
              ? Effect.flatMap(step(view, { _tag: "BlockPin", reason: "code PIN bloqué après trois erreurs" }, platformActor(actor)), (write) =>
                  Effect.ignore(store.commit({ cards: [write], requests: [], actor: platformActor(actor) })),
                )
              : Effect.void,
          ),
        );
      });

    const unblock = (
      id: string,
      input: {
        readonly holderAuthentication: "face-to-face" | "secret-answers";
        readonly answers?: ReadonlyArray<{ readonly question: number; readonly answer: string }>;
        readonly newPin: string;
        readonly reason: string;
      },
    ) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.operate", id);
        const command: Card.Command = { _tag: "Unblock", holderAuthentication: input.holderAuthentication, reason: input.reason };
        yield* step(view, command);
        const serial = view.state.serial as string;
        yield* checkNewPin(serial, input.newPin);
        if (input.holderAuthentication === "secret-answers") yield* checkAnswers(view.state.holder, input.answers);
        yield* cards.unblock(serial, (yield* secrets.puk(id)) ?? "", input.newPin);
        const write = yield* step(view, command);
        yield* commit([write], yield* fulfilValidated(view.state, "unblock", input.reason));
        return viewOf(write);
      });

    const setSecretQuestions = (holderId: string, questions: Secrets.SecretQuestions) =>
      Effect.gen(function* () {
        const holder = yield* agents.load(holderId);
        yield* authorizeOn("card.operate", { id: "", holder: holderId, site: holder.state.site, status: "active", lastReason: "" });
        const salt = Hashing.newSalt();
        const answerHashes = yield* Effect.forEach(
          questions,
          (entry, index) => Hashing.hash(Secrets.normaliseAnswer(entry.answer), Hashing.answerSalt(salt, index)),
          {
            concurrency: "unbounded",
          },
        );
        yield* secrets.putQuestions(holderId, { questions: questions.map((entry) => entry.question), answerHashes, salt }, actor);
        return { questions: questions.length };
      });

    const secretQuestions = (holderId: string) =>
      Effect.gen(function* () {
        const holder = yield* agents.load(holderId);
        yield* authorizeOn("card.operate", { id: "", holder: holderId, site: holder.state.site, status: "active", lastReason: "" });
        return (yield* secrets.questions(holderId))?.questions ?? [];
      });

    const renewCertificates = (id: string, input: { readonly pin: string; readonly algorithm?: KeyAlgorithm; readonly reason: string }) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.operate", id);
        const placeholder = { serial: "00", notBefore: "", notAfter: "", algorithm: "" };
        yield* step(view, { _tag: "RenewCertificates", certificates: { authentication: placeholder, signature: placeholder }, reason: input.reason });
        const certificates = yield* personalise(view.state, input.pin, input.algorithm ?? "P-256");
        const write = yield* step(view, { _tag: "RenewCertificates", certificates, reason: input.reason });
        yield* commit([write], yield* fulfilValidated(view.state, "certificate-renewal", input.reason));
        yield* revokeCertificates(view.state, "superseded");
        return viewOf(write);
      });

    /**
     * An operator's card (a holder who registers agents or operates cards, or a prefecture's) is
     * revoked by two trusted people: a request, then another operator's validation (four eyes).
     * or the holder authenticated by their secret answers. Only the holder may revoke it alone,
     * which takes nothing from anybody else.
     */
    const checkDualControl = (card: Card.State, confirmedBy: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        if (actor.id === card.holder) return;
        const holder = (yield* agents.load(card.holder)).state;
        const trusted = card.site._tag === "prefecture" || (holder.rights ?? []).some((right) => right === "operate-cards" || right === "register-agents");
        if (!trusted) return;
        const violation = Rules.rules.dualControl.check({ operation: "the revocation of an operator's card", confirmedBy });
        if (violation !== undefined) {
          return yield* new DualControlRequired({
            card: card.id,
            rule: violation.rule,
            reason: `${violation.detail}: file a revocation request, which another operator of the site validates`,
          });
        }
      });

    const revoke = (
      id: string,
      input: {
        readonly revocationReason: Card.RevocationReason;
        readonly answers?: ReadonlyArray<{ readonly question: number; readonly answer: string }>;
        readonly reason: string;
      },
    ) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.operate", id);
        const write = yield* step(view, { _tag: "Revoke", revocationReason: input.revocationReason, reason: input.reason });
        // The holder's secret answers make them the second person: the revocation is theirs too.
        if (input.answers !== undefined) yield* checkAnswers(view.state.holder, input.answers);
        yield* checkDualControl(view.state, input.answers === undefined ? [actor.id] : [actor.id, view.state.holder]);
        yield* commit([write]);
        yield* revokeCertificates(view.state, input.revocationReason);
        return viewOf(write);
      });

    const renewalWrite = (view: CardView, options: { readonly request?: string; readonly reason: string }) =>
      Effect.gen(function* () {
        if (view.state.status !== "active" && view.state.status !== "pin-blocked") {
          return yield* new Card.CardIllegalTransition({
            command: "Renew",
            state: view.state.status,
            allowedFrom: ["active", "pin-blocked"],
            rule: "Only a card in use is renewed: the new card replaces it once active.",
          });
        }
        return yield* orderWrite(view.state.holder, { ...options, replaces: view.state.id });
      });

    const renew = (id: string, reason: string) =>
      Effect.gen(function* () {
        const view = yield* loadFor("card.order", id);
        const write = yield* renewalWrite(view, { reason });
        yield* commit([write]);
        return viewOf(write);
      });

    // --- requests ---------------------------------------------------------------------------

    const submitRequest = (input: RequestInput) =>
      Effect.gen(function* () {
        // The policy before any lookup: a caller who may not request learns nothing of the records.
        if (Access.check(actor, "card.request", Access.nation) === undefined) yield* Access.authorize(actor, "card.request", Access.nation);
        if (input.card !== undefined) {
          const card = yield* store.load(input.card);
          if (card.state.holder !== actor.id) return yield* forbidden("card.request", card.state.site, "a holder requests for their own cards only");
        }
        const holder = yield* activeHolder(actor.id);
        yield* Access.authorize(actor, "card.request", Access.siteTarget(holder.site));
        const write = yield* requestStep(undefined, {
          _tag: "Submit",
          id: newId(),
          kind: input.kind,
          origin: "holder",
          holder: actor.id,
          site: holder.site,
          reason: input.reason,
          ...(input.card === undefined ? {} : { card: input.card }),
          ...(input.revocationReason === undefined ? {} : { revocationReason: input.revocationReason }),
        });
        yield* commit([], [write]);
        yield* notifications.send({
          site: holder.site,
          kind: "request-waiting",
          subject: "COMEDEC — une demande de carte attend votre validation",
          body: `Demande ${write.state.id} (${input.kind}) : ${input.reason}`,
        });
        return { state: write.state, version: 1 };
      });

    const loadRequestFor = (permission: Access.Permission, id: string) =>
      Effect.tap(store.loadRequest(id), (view) =>
        Effect.flatMap(Access.authorize(actor, permission, Access.siteTarget(view.state.site)), () =>
          actor.role === "agent" && view.state.holder !== actor.id
            ? Effect.fail(forbidden(permission, view.state.site, "a holder sees their own requests only"))
            : Effect.void,
        ),
      );

    const validateRequest = (id: string, reason: string) =>
      Effect.gen(function* () {
        const view = yield* loadRequestFor("card.validate", id);
        const request = view.state;
        yield* requestStep(view, { _tag: "Validate", reason });
        const card = request.card === undefined ? undefined : yield* store.load(request.card);
        const cardWrites: Array<CardWrite> = [];
        let orderedCard: string | undefined;
        switch (request.kind) {
          case "new-card": {
            const write = yield* orderWrite(request.holder, { request: id, reason });
            cardWrites.push(write);
            orderedCard = write.state.id;
            break;
          }
          case "card-renewal": {
            const write = yield* renewalWrite(card as CardView, { request: id, reason });
            cardWrites.push(write);
            orderedCard = write.state.id;
            break;
          }
          case "revocation":
            cardWrites.push(yield* step(card as CardView, { _tag: "Revoke", revocationReason: request.revocationReason ?? "unspecified", reason }));
            break;
          default:
            break;
        }
        const validated = yield* requestStep(view, { _tag: "Validate", reason, ...(orderedCard === undefined ? {} : { orderedCard }) });
        // A revocation is carried out at once; a card is fulfilled when published, the others by their operation.
        const final =
          request.kind === "revocation"
            ? yield* requestStep({ state: validated.state, version: validated.expectedVersion + validated.events.length }, { _tag: "Fulfil", reason })
            : undefined;
        const requestWrite = final === undefined ? validated : { ...final, expectedVersion: view.version, events: [...validated.events, ...final.events] };
        yield* commit(cardWrites, [requestWrite]);
        if (request.kind === "revocation" && card !== undefined) yield* revokeCertificates(card.state, request.revocationReason ?? "unspecified");
        return { state: requestWrite.state, version: view.version + requestWrite.events.length };
      });

    const decideRequest = (id: string, command: Request.Command, permission: Access.Permission) =>
      Effect.gen(function* () {
        const view = yield* loadRequestFor(permission, id);
        const write = yield* requestStep(view, command);
        yield* commit([], [write]);
        return { state: write.state, version: view.version + write.events.length };
      });

    // --- tracking ---------------------------------------------------------------------------

    const scopeOf = (filter: SiteFilter) =>
      Effect.gen(function* () {
        const site: Agent.AgentSite | undefined =
          "commune" in filter
            ? { _tag: "commune", commune: filter.commune as InseeCode.InseeCode }
            : "prefecture" in filter
              ? { _tag: "prefecture", departement: filter.prefecture }
              : undefined;
        const departement = "departement" in filter ? filter.departement : undefined;
        if (site !== undefined) yield* Access.authorize(actor, "card.read", Access.siteTarget(site));
        else if (departement !== undefined) yield* Access.authorize(actor, "card.read", { _tag: "departement", departement });
        else {
          const grant = yield* Access.authorize(actor, "card.read", Access.nation);
          if (grant.reach === "own-site") {
            switch (actor.site._tag) {
              case "commune":
                return {
                  site: { _tag: "commune", commune: actor.site.commune as InseeCode.InseeCode },
                  ...(actor.role === "agent" ? { holder: actor.id } : {}),
                } as const;
              case "prefecture":
                return { departement: actor.site.departement };
              default:
                return { holder: actor.id };
            }
          }
        }
        const holder = actor.role === "agent" ? { holder: actor.id } : {};
        return { ...(site === undefined ? {} : { site }), ...(departement === undefined ? {} : { departement }), ...holder };
      });

    const holders = (filter: SiteFilter) =>
      Effect.gen(function* () {
        const views = yield* store.cards(yield* scopeOf(filter), { limit: 5_000 });
        const byHolder = new Map<string, Array<CardView>>();
        for (const view of views) byHolder.set(view.state.holder, [...(byHolder.get(view.state.holder) ?? []), view]);
        return [...byHolder].map(([holder, held]) => ({ holder, cards: held }));
      });

    return CardPlatform.of({
      order,
      startProduction,
      ship,
      receive,
      triggerConnection,
      publish,
      verifyPin: (id, pin) => verifyPin(id, pin, true),
      unblock,
      setSecretQuestions,
      secretQuestions,
      renewCertificates,
      approvePersonalisation,
      revoke,
      renew,
      submitRequest,
      validateRequest,
      rejectRequest: (id, reason) => decideRequest(id, { _tag: "Reject", reason }, "card.validate"),
      cancelRequest: (id, reason) => decideRequest(id, { _tag: "Cancel", reason }, "card.request"),
      card: (id) => loadFor("card.read", id),
      request: (id) => loadRequestFor("card.read", id),
      holders,
      requests: (filter, status) =>
        Effect.flatMap(scopeOf(filter), (scope) => store.requests(scope, { ...(status === undefined ? {} : { status }), limit: 5_000 })),
      expiring: (filter, days) =>
        Effect.gen(function* () {
          const scope = yield* scopeOf(filter);
          const before = new Date((yield* now).getTime() + days * 86_400_000).toISOString();
          return yield* store.expiring(scope, before, 5_000);
        }),
    });
  });

/** The services the card platform runs on. */
export type Requirements = CardStore | CardSecrets | CertificateAuthority | CardNotifications | SmartCards | CardManufacturer | AgentStore | OnboardingStore;

/** The card platform for one actor. */
export const layer = (actor: Actor.Actor): Layer.Layer<CardPlatform, never, Requirements> => Layer.effect(CardPlatform, make(actor));

/** Runs one use case of the card platform for an actor (what the API does per request). */
export const forActor = <A, E>(actor: Actor.Actor, use: (platform: typeof CardPlatform.Service) => Effect.Effect<A, E>) => Effect.flatMap(make(actor), use);
