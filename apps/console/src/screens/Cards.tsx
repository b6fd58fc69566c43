/**
 * The site's cards and requests (PGCA), for the mairie's responsable carte and délégué: order a
 * card for an active agent, follow the holders and their cards (certificates with their expiry),
 * receive a shipped card, approve a card's personalisation — the second person of its publication,
 * shown the pending approval in their own session —, revoke with an RFC 5280 reason, renew a
 * card, set a holder's secret questions, and validate or reject the requests waiting; and at the
 * desk, through the card agent (`CardAtDesk`): hand a card over, renew its certificates, unblock it.
 * A prefecture works here on a commune's first two cards (`commune`): it orders them as the
 * responsable carte's or the délégué's, receives them, approves them — the prefecture's alone —
 * and hands them over at its desk.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Actor } from "@comedec/actor";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Card, OrderInput, type Request, RevokeInput, Secrets } from "@comedec/card";
import { Contract } from "@comedec/http-contract";
import { Schema } from "effect";
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Outcome } from "../Api.js";
import { ConfirmButton } from "../Confirm.js";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { useCall, useSignedIn } from "../Session.js";
import { type FieldErrors, frenchDate, validate } from "../Validation.js";
import { type ChosenCommune, fullName, siteQueryFor } from "./Agents.js";
import { HandOverForm, offers, RenewalForm, UnblockForm } from "./CardAtDesk.js";

type CardView = (typeof Card.State)["Type"] & { readonly version: number };
type AgentRecord = Contract.Agents.AgentRecord;

/** Where a card stands, in French. */
export const statusNames: Readonly<Record<Card.Status, string>> = {
  ordered: "commandée",
  "in-production": "en fabrication",
  shipped: "expédiée",
  received: "reçue sur le site",
  active: "active",
  "pin-blocked": "PIN bloqué",
  suspended: "suspendue",
  revoked: "révoquée",
  expired: "expirée",
  replaced: "remplacée",
};

/** The RFC 5280 revocation reasons, in French. */
export const revocationNames: Readonly<Record<Card.RevocationReason, string>> = {
  unspecified: "non précisée (unspecified)",
  keyCompromise: "compromission de la clé ou perte de la carte (keyCompromise)",
  affiliationChanged: "changement d'affectation (affiliationChanged)",
  superseded: "remplacée par une autre carte (superseded)",
  cessationOfOperation: "fin de fonctions (cessationOfOperation)",
  privilegeWithdrawn: "retrait des droits (privilegeWithdrawn)",
};

/** What a request asks, in French. */
export const requestKinds: Readonly<Record<string, string>> = {
  "new-card": "nouvelle carte",
  "card-renewal": "renouvellement de carte",
  "certificate-renewal": "renouvellement des certificats",
  revocation: "révocation",
  unblock: "déblocage",
};

/** The two certificates' end, in French. */
export const certificatesText = (card: CardView): string =>
  card.certificates === undefined
    ? "aucun certificat"
    : `authentification jusqu'au ${frenchDate(card.certificates.authentication.notAfter)}, signature jusqu'au ${frenchDate(card.certificates.signature.notAfter)}`;

const reasonLabels = {
  reason: "Motif",
  holder: "Agent",
  revocationReason: "Raison de la révocation",
  serial: "Numéro de série",
  firstCard: "Carte de la commune",
};

/** Which of a commune's first two cards, in French. */
export const firstCardNames: Readonly<Record<Card.FirstCard, string>> = {
  "responsable-carte": "carte du responsable carte",
  delegue: "carte du délégué",
};

/** The cards screen, of the actor's site or of the commune a prefecture chose (its first two cards). */
export const Cards = ({ commune }: { readonly commune?: ChosenCommune } = {}) => {
  const session = useSignedIn();
  const call = useCall();
  const [agents, setAgents] = useState<ReadonlyArray<AgentRecord>>([]);
  const [holders, setHolders] = useState<ReadonlyArray<{ readonly holder: string; readonly cards: ReadonlyArray<CardView> }> | undefined>(undefined);
  const [requests, setRequests] = useState<ReadonlyArray<Request.State> | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [holder, setHolder] = useState("");
  // A prefecture orders a commune's first two cards only: which one this order is.
  const [firstCard, setFirstCard] = useState<"" | Card.FirstCard>("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const siteQuery = useMemo(() => siteQueryFor(session, commune), [session, commune]);

  const load = useCallback(async () => {
    const [listed, held, waiting] = await Promise.all([
      call(Contract.Agents.search, { query: { ...siteQuery, status: "active", limit: 500 } }),
      call(Contract.Cards.holders, { query: siteQuery }),
      call(Contract.CardRequests.list, { query: { ...siteQuery, status: "pending-validation" } }),
    ]);
    if (listed.ok) setAgents(listed.value.items);
    if (held.ok)
      setHolders(held.value.items.map((entry) => ({ holder: entry.holder, cards: entry.cards.map((card) => ({ ...card.state, version: card.version })) })));
    else setFeedback(held);
    if (waiting.ok) setRequests(waiting.value.items.map((entry) => entry.state));
  }, [call, siteQuery]);

  useEffect(() => {
    void load();
  }, [load]);

  const nameOf = (id: string) => {
    const found = agents.find((agent) => agent.id === id);
    return found === undefined ? id : fullName(found);
  };

  const done = async (message: string) => {
    setFeedback({ ok: true, message });
    setReason("");
    setErrors({});
    await load();
  };

  // A prefecture at a commune orders its first two cards only: the kinds not yet ordered (a card ended frees its kind).
  const ended: ReadonlyArray<Card.Status> = ["revoked", "expired", "replaced"];
  const firstCardsLeft = Card.FirstCard.literals.filter(
    (kind) => !(holders ?? []).some((entry) => entry.cards.some((card) => card.firstCard === kind && !ended.includes(card.status))),
  );

  const order = async () => {
    const checked = validate(
      commune === undefined ? OrderInput : Schema.Struct({ ...OrderInput.fields, firstCard: Card.FirstCard }),
      { holder, reason: reason.trim(), ...(commune === undefined || firstCard === "" ? {} : { firstCard }) },
      reasonLabels,
    );
    if (!checked.ok) return setErrors(checked.errors);
    const outcome = await call(Contract.Cards.order, { body: checked.value });
    if (!outcome.ok) return setFeedback(outcome);
    await done(`Carte commandée pour ${nameOf(holder)} : elle est « ${statusNames[outcome.value.state.status]} ».`);
  };

  /** The reason typed, checked by the card's Schema; an error under the field otherwise. */
  const reasonChecked = (): string | undefined => {
    const checked = validate(Card.Reason, reason.trim(), { "": "Motif" });
    if (checked.ok) return checked.value;
    setErrors({ reason: "Motif : 3 à 500 caractères." });
    // Said where the person is looking too: the field is at the top of the screen.
    setFeedback({ ok: false, refusal: { code: "invalid-request", message: "Indiquez le motif de l'opération (3 à 500 caractères) en haut de l'écran." } });
    return undefined;
  };

  const Title = commune === undefined ? "h1" : "h2";
  return (
    <section aria-labelledby="cards-title">
      <Title id="cards-title">{commune === undefined ? "Cartes et demandes du site" : `Premières cartes de ${commune.name}`}</Title>
      <FeedbackAlert feedback={feedback} />
      <Input
        label="Motif de l'opération"
        hintText="Obligatoire pour chaque opération, conservé dans le journal (3 à 500 caractères)"
        state={errors.reason === undefined ? "default" : "error"}
        stateRelatedMessage={errors.reason}
        nativeInputProps={{ value: reason, onChange: (event) => setReason(event.target.value), name: "card-reason" }}
      />

      <h2>Commander une carte</h2>
      {commune !== undefined && holders !== undefined && firstCardsLeft.length === 0 ? (
        <p className="fr-mb-4w" data-testid="first-cards-ordered">
          Les deux premières cartes de la commune sont commandées : la commune commande elle-même les suivantes.
        </p>
      ) : (
        <form
          noValidate
          className="fr-mb-4w"
          onSubmit={(event) => {
            event.preventDefault();
            void order();
          }}
        >
          <div className={`fr-select-group${errors.holder === undefined ? "" : " fr-select-group--error"}`}>
            <label className="fr-label" htmlFor="order-holder">
              Agent titulaire
            </label>
            <select id="order-holder" className="fr-select" value={holder} onChange={(event) => setHolder(event.target.value)}>
              <option value="">— choisir un agent actif —</option>
              {agents.map((agent) => (
                <option key={agent.id} value={agent.id}>
                  {fullName(agent)}
                </option>
              ))}
            </select>
            {errors.holder === undefined ? null : <p className="fr-error-text">{errors.holder}</p>}
          </div>
          {commune === undefined ? null : (
            <div className={`fr-select-group${errors.firstCard === undefined ? "" : " fr-select-group--error"}`}>
              <label className="fr-label" htmlFor="order-first-card">
                Carte de la commune
                <span className="fr-hint-text">La préfecture commande les deux premières cartes : celle du responsable carte et celle du délégué</span>
              </label>
              <select id="order-first-card" className="fr-select" value={firstCard} onChange={(event) => setFirstCard(event.target.value as typeof firstCard)}>
                <option value="">— choisir —</option>
                {firstCardsLeft.map((kind) => (
                  <option key={kind} value={kind}>
                    {firstCardNames[kind]}
                  </option>
                ))}
              </select>
              {errors.firstCard === undefined ? null : <p className="fr-error-text">{errors.firstCard}</p>}
            </div>
          )}
          <Button type="submit">Commander la carte</Button>
        </form>
      )}

      <h2>Demandes en attente de validation</h2>
      {requests === undefined ? (
        <p>Chargement…</p>
      ) : requests.length === 0 ? (
        <p className="fr-callout" data-testid="no-requests">
          Aucune demande n'attend de validation.
        </p>
      ) : (
        <ul className="fr-raw-list">
          {requests.map((request) => (
            <li key={request.id} className="fr-mb-2w">
              {requestKinds[request.kind] ?? request.kind} pour {nameOf(request.holder)}, déposée le {frenchDate(request.submittedOn)} ({request.lastReason}){" "}
              <Button
                size="small"
                onClick={async () => {
                  const why = reasonChecked();
                  if (why === undefined) return;
                  const outcome = await call(Contract.CardRequests.validate, { params: { id: request.id }, body: { reason: why } });
                  if (!outcome.ok) return setFeedback(outcome);
                  await done("La demande est validée.");
                }}
              >
                Valider
              </Button>{" "}
              <ConfirmButton
                label="Rejeter"
                question="Rejeter cette demande ? Le titulaire en sera informé."
                onConfirm={async () => {
                  const why = reasonChecked();
                  if (why === undefined) return;
                  const outcome = await call(Contract.CardRequests.reject, { params: { id: request.id }, body: { reason: why } });
                  if (!outcome.ok) return setFeedback(outcome);
                  await done("La demande est rejetée.");
                }}
              />
            </li>
          ))}
        </ul>
      )}

      <h2>Titulaires et cartes</h2>
      {holders === undefined ? (
        <p>Chargement…</p>
      ) : holders.length === 0 ? (
        <p className="fr-callout" data-testid="no-cards">
          Aucune carte n'est encore commandée sur votre site.
        </p>
      ) : (
        holders.map((entry) => (
          <div key={entry.holder} className="fr-mb-3w">
            <h3 className="fr-h5">{nameOf(entry.holder)}</h3>
            {entry.cards.map((card) => (
              <CardPanel
                key={`${card.id}-${card.version}`}
                card={card}
                reasonChecked={reasonChecked}
                onDone={done}
                onRefused={setFeedback}
                actorId={session.actor.id}
              />
            ))}
            <SecretQuestionsForm holder={entry.holder} name={nameOf(entry.holder)} onDone={done} onRefused={setFeedback} />
          </div>
        ))
      )}
    </section>
  );
};

/** One card: where it stands and what may be done with it now. */
const CardPanel = ({
  card,
  reasonChecked,
  onDone,
  onRefused,
  actorId,
}: {
  readonly card: CardView;
  readonly reasonChecked: () => string | undefined;
  readonly onDone: (message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
  readonly actorId: string;
}) => {
  const call = useCall();
  const session = useSignedIn();
  // ANTS's steps: the order sent to the manufacturer, the card shipped to its site.
  const ants = session.actor.role === "national-administrator";
  // The bootstrap session of a new platform hands over its first card once, the holder the second person (ADR 0018).
  const bootstrap = session.kind === "bootstrap" && Actor.isBootstrapAdministrator(session.actor);
  // The prefecture never personalises a card alone: another of its operators approved it first.
  const prefecture = session.actor.role === "prefecture-operator";
  // A commune's first two cards are approved by the prefecture alone.
  const approves = card.firstCard === undefined || prefecture;
  const [serial, setSerial] = useState("");
  const [revocationReason, setRevocationReason] = useState<Card.RevocationReason>("unspecified");
  const [error, setError] = useState<string | undefined>(undefined);
  const [desk, setDesk] = useState<"hand-over" | "renewal" | "unblock" | undefined>(undefined);
  const label = `Carte ${card.serial ?? card.id}`;
  // The same, inside a sentence: the serial keeps its capitals.
  const inSentence = `carte ${card.serial ?? card.id}`;
  const run = async (outcome: Promise<Outcome<unknown>>, message: string) => {
    const settled = await outcome;
    if (!settled.ok) return onRefused(settled);
    await onDone(message);
  };
  const props = { card, reasonChecked, onDone, onRefused };
  const deskButton = (which: "hand-over" | "renewal" | "unblock", text: string) => (
    <Button
      size="small"
      priority={desk === which ? "primary" : "secondary"}
      nativeButtonProps={{ "aria-expanded": desk === which }}
      onClick={() => setDesk(desk === which ? undefined : which)}
    >
      {text}
    </Button>
  );
  return (
    <div className="fr-card fr-card--no-arrow fr-p-2w fr-mb-2w" data-testid={`card-${card.id}`}>
      <p className="fr-mb-1w">
        <strong>{label}</strong>
        {card.firstCard === undefined ? "" : ` (${firstCardNames[card.firstCard]})`} — {statusNames[card.status]}. {certificatesText(card)}.
        {card.revocation === undefined ? "" : ` Révoquée le ${frenchDate(card.revocation.on)} (${revocationNames[card.revocation.reason]}).`}
      </p>
      <div className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">
        {ants && card.status === "ordered" ? (
          <Button
            size="small"
            onClick={() => {
              const why = reasonChecked();
              if (why === undefined) return;
              void run(call(Contract.Cards.startProduction, { params: { id: card.id }, body: { reason: why } }), `La ${inSentence} est en fabrication.`);
            }}
          >
            Lancer la fabrication
          </Button>
        ) : null}
        {ants && card.status === "in-production" ? (
          <Button
            size="small"
            onClick={() => {
              const why = reasonChecked();
              if (why === undefined) return;
              void run(call(Contract.Cards.ship, { params: { id: card.id }, body: { reason: why } }), `${label} est expédiée.`);
            }}
          >
            Enregistrer l'expédition
          </Button>
        ) : null}
        {card.status === "shipped" ? (
          <form
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              const why = reasonChecked();
              const checked = validate(Card.Serial, serial.trim(), { "": "Numéro de série" });
              if (!checked.ok) return setError("Numéro de série : 4 à 32 lettres, chiffres ou tirets, tel qu'imprimé sur la carte.");
              if (why === undefined) return;
              setError(undefined);
              void run(call(Contract.Cards.receive, { params: { id: card.id }, body: { serial: checked.value, reason: why } }), `${label} est reçue.`);
            }}
          >
            <Input
              label="Numéro de série imprimé sur la carte reçue"
              state={error === undefined ? "default" : "error"}
              stateRelatedMessage={error}
              nativeInputProps={{ value: serial, onChange: (event) => setSerial(event.target.value), name: `serial-${card.id}` }}
            />
            <Button type="submit" size="small">
              Enregistrer la réception
            </Button>
          </form>
        ) : null}
        {card.status === "received" && card.personalisationApprovedBy === undefined ? (
          bootstrap ? (
            <p className="fr-text--sm" data-testid="bootstrap-hand-over">
              Session d'amorçage : elle remet une seule carte, la première de la plateforme, au guichet ; le titulaire présent, avec sa pièce d'identité, son
              code d'activation et son code PIN, en est la seconde personne.
            </p>
          ) : !approves ? (
            <p className="fr-text--sm" data-testid="approval-prefecture">
              L'une des deux premières cartes de la commune : la préfecture approuve sa personnalisation.
            </p>
          ) : card.orderedBy === actorId ? (
            <p className="fr-text--sm" data-testid="approval-waiting">
              Vous avez commandé cette carte : une seconde personne du site doit approuver sa personnalisation depuis sa propre session.
            </p>
          ) : (
            <Button
              size="small"
              onClick={() => {
                const why = reasonChecked();
                if (why === undefined) return;
                void run(
                  call(Contract.Cards.approvePersonalisation, { params: { id: card.id }, body: { reason: why } }),
                  `La personnalisation de la ${inSentence} est approuvée.`,
                );
              }}
            >
              Approuver la personnalisation (second contrôle)
            </Button>
          )
        ) : null}
        {card.status === "received" && card.personalisationApprovedBy !== undefined ? (
          <p className="fr-text--sm" data-testid="publication-pending">
            Personnalisation approuvée : la carte peut être remise à son titulaire, au guichet, avec l'agent de carte.
          </p>
        ) : null}
        {["active", "pin-blocked", "suspended"].includes(card.status) ? (
          <>
            <ConfirmButton
              label="Renouveler la carte"
              question={`Commander une nouvelle carte pour remplacer la ${inSentence} ?`}
              onConfirm={() => {
                const why = reasonChecked();
                if (why === undefined) return;
                return run(
                  call(Contract.Cards.renew, { params: { id: card.id }, body: { reason: why } }),
                  `Le renouvellement de la ${inSentence} est commandé.`,
                );
              }}
            />
            <ConfirmButton
              label="Révoquer"
              question={`Révoquer la ${inSentence} ? Ses certificats seront publiés sur la liste de révocation : c'est irréversible.`}
              confirmLabel="Révoquer définitivement"
              onConfirm={() => {
                const why = reasonChecked();
                if (why === undefined) return;
                const checked = validate(RevokeInput, { revocationReason, reason: why }, reasonLabels);
                if (!checked.ok) return;
                return run(
                  call(Contract.Cards.revoke, { params: { id: card.id }, body: checked.value }),
                  `La ${inSentence} est révoquée (ou la révocation attend la seconde personne).`,
                );
              }}
            >
              <div className="fr-select-group">
                <label className="fr-label" htmlFor={`revocation-${card.id}`}>
                  Raison de la révocation (RFC 5280)
                </label>
                <select
                  id={`revocation-${card.id}`}
                  className="fr-select"
                  value={revocationReason}
                  onChange={(event) => setRevocationReason(event.target.value as Card.RevocationReason)}
                >
                  {Card.RevocationReason.literals.map((value) => (
                    <option key={value} value={value}>
                      {revocationNames[value]}
                    </option>
                  ))}
                </select>
              </div>
            </ConfirmButton>
          </>
        ) : null}
        {offers.handOver(card) &&
        offers.handOverHere(session, card) &&
        (prefecture
          ? card.personalisationApprovedBy !== undefined && card.personalisationApprovedBy !== actorId
          : bootstrap || card.personalisationApprovedBy !== undefined || card.orderedBy !== actorId)
          ? deskButton("hand-over", "Remettre la carte au titulaire")
          : null}
        {offers.renewal(card) ? deskButton("renewal", "Renouveler les certificats") : null}
        {offers.unblock(card) ? deskButton("unblock", "Débloquer le code PIN") : null}
      </div>
      {desk === "hand-over" ? <HandOverForm {...props} /> : null}
      {desk === "renewal" ? <RenewalForm {...props} /> : null}
      {desk === "unblock" ? <UnblockForm {...props} /> : null}
    </div>
  );
};

/**
 * A holder's secret questions, for the unblock or revocation at a distance: set by an operator with
 * the holder at the desk, or by the holder themselves from their own session — only the holder's
 * own let them unblock their card alone (ADR 0018).
 */
export const SecretQuestionsForm = ({
  holder,
  name,
  onDone,
  onRefused,
  own = false,
}: {
  readonly holder: string;
  readonly name: string;
  readonly onDone: (message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
  /** The holder sets their own. */
  readonly own?: boolean;
}) => {
  const call = useCall();
  const [open, setOpen] = useState(false);
  const [entries, setEntries] = useState<ReadonlyArray<{ readonly question: string; readonly answer: string }>>(
    Array.from({ length: Secrets.minimumQuestions }, () => ({ question: "", answer: "" })),
  );
  const [error, setError] = useState<string | undefined>(undefined);
  if (!open)
    return (
      <Button size="small" priority="tertiary" onClick={() => setOpen(true)}>
        {own ? "Définir mes questions secrètes" : `Définir les questions secrètes de ${name}`}
      </Button>
    );
  return (
    <form
      noValidate
      className="fr-mt-2w"
      onSubmit={async (event) => {
        event.preventDefault();
        const checked = validate(Schema.Struct({ questions: Secrets.SecretQuestions }), { questions: entries }, { questions: "Questions secrètes" });
        if (!checked.ok) return setError(`Au moins ${Secrets.minimumQuestions} questions différentes (5 à 200 caractères), chacune avec sa réponse.`);
        setError(undefined);
        const outcome = await call(Contract.Cards.setSecretQuestions, { params: { id: holder }, body: checked.value });
        if (!outcome.ok) return onRefused(outcome);
        setOpen(false);
        await onDone(own ? "Vos questions secrètes sont enregistrées." : `Les questions secrètes de ${name} sont enregistrées.`);
      }}
    >
      <fieldset className="fr-fieldset">
        <legend className="fr-fieldset__legend">
          {own ? "Mes questions secrètes (elles remplacent les précédentes)" : `Questions secrètes de ${name} (saisies par le titulaire)`}
        </legend>
        {error === undefined ? null : (
          <p className="fr-error-text" role="alert">
            {error}
          </p>
        )}
        {entries.map((entry, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list of rows
          <div key={index} className="fr-fieldset__element">
            <Input
              label={`Question ${index + 1}`}
              nativeInputProps={{
                value: entry.question,
                onChange: (event) => setEntries(entries.map((kept, at) => (at === index ? { ...kept, question: event.target.value } : kept))),
              }}
            />
            <Input
              label={`Réponse ${index + 1}`}
              nativeInputProps={{
                type: "password",
                autoComplete: "off",
                value: entry.answer,
                onChange: (event) => setEntries(entries.map((kept, at) => (at === index ? { ...kept, answer: event.target.value } : kept))),
              }}
            />
          </div>
        ))}
      </fieldset>
      <Button type="submit" size="small">
        Enregistrer les questions
      </Button>{" "}
      <Button size="small" priority="secondary" onClick={() => setOpen(false)}>
        Annuler
      </Button>
    </form>
  );
};
