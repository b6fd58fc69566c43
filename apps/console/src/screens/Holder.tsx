/**
 * The holder's own cards: each card with its certificates' expiry, and the requests a holder
 * makes — a new card, a card's renewal, a revocation with its RFC 5280 reason — which the site's
 * operators then validate. The platform narrows a holder's listing to their own cards.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { type Card, RequestInput } from "@comedec/card";
import { Contract } from "@comedec/http-contract";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ConfirmButton } from "../Confirm.js";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { useCall, useSignedIn } from "../Session.js";
import { type FieldErrors, frenchDate, validate } from "../Validation.js";
import { siteQueryOf } from "./Agents.js";
import { certificatesText, requestKinds, revocationNames, SecretQuestionsForm, statusNames } from "./Cards.js";

type CardView = Card.State & { readonly version: number };

const requestStatus: Readonly<Record<string, string>> = {
  "pending-validation": "en attente de validation",
  validated: "validée",
  fulfilled: "traitée",
  rejected: "rejetée",
  cancelled: "annulée",
};

/** The holder's screen. */
export const Holder = () => {
  const session = useSignedIn();
  const call = useCall();
  const [cards, setCards] = useState<ReadonlyArray<CardView> | undefined>(undefined);
  const [requests, setRequests] = useState<
    ReadonlyArray<{ readonly id: string; readonly kind: string; readonly status: string; readonly submittedOn: string }>
  >([]);
  const [reason, setReason] = useState("");
  const [revocationReason, setRevocationReason] = useState<Card.RevocationReason>("keyCompromise");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const siteQuery = useMemo(() => siteQueryOf(session), [session]);

  const load = useCallback(async () => {
    const [held, asked] = await Promise.all([call(Contract.Cards.holders, { query: siteQuery }), call(Contract.CardRequests.list, { query: siteQuery })]);
    if (!held.ok) return setFeedback(held);
    setCards(
      held.value.items
        .filter((entry) => entry.holder === session.actor.id)
        .flatMap((entry) => entry.cards.map((card) => ({ ...card.state, version: card.version }))),
    );
    if (asked.ok) setRequests(asked.value.items.map((entry) => entry.state).filter((request) => request.holder === session.actor.id));
  }, [call, session, siteQuery]);

  useEffect(() => {
    void load();
  }, [load]);

  const ask = async (input: { readonly kind: string; readonly card?: string; readonly revocationReason?: string }, message: string) => {
    const checked = validate(
      RequestInput,
      { ...input, reason: reason.trim() },
      { reason: "Motif", kind: "Demande", card: "Carte", revocationReason: "Raison" },
    );
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.CardRequests.submit, { body: checked.value });
    if (!outcome.ok) return setFeedback(outcome);
    setReason("");
    setFeedback({ ok: true, message });
    await load();
  };

  return (
    <section aria-labelledby="holder-title">
      <h1 id="holder-title">Mes cartes</h1>
      <FeedbackAlert feedback={feedback} />
      <Input
        label="Motif de la demande"
        hintText="Obligatoire (3 à 500 caractères), lu par le responsable carte"
        state={errors.reason === undefined ? "default" : "error"}
        stateRelatedMessage={errors.reason}
        nativeInputProps={{ value: reason, onChange: (event) => setReason(event.target.value), name: "request-reason" }}
      />
      {cards === undefined ? (
        <p>Chargement…</p>
      ) : cards.length === 0 ? (
        <p className="fr-callout" data-testid="no-own-cards">
          Vous n'avez pas encore de carte.
        </p>
      ) : (
        cards.map((card) => (
          <div key={card.id} className="fr-card fr-card--no-arrow fr-p-2w fr-mb-2w" data-testid={`own-card-${card.id}`}>
            <p className="fr-mb-1w">
              <strong>Carte {card.serial ?? card.id}</strong> — {statusNames[card.status]}. {certificatesText(card)}.
            </p>
            {["active", "pin-blocked", "suspended"].includes(card.status) ? (
              <div className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">
                <Button
                  size="small"
                  priority="secondary"
                  onClick={() => void ask({ kind: "card-renewal", card: card.id }, "Votre demande de renouvellement est déposée.")}
                >
                  Demander le renouvellement
                </Button>
                <ConfirmButton
                  label="Demander la révocation"
                  question="Demander la révocation de cette carte ? Une fois validée, ses certificats ne pourront plus servir."
                  onConfirm={() => ask({ kind: "revocation", card: card.id, revocationReason }, "Votre demande de révocation est déposée.")}
                >
                  <div className="fr-select-group">
                    <label className="fr-label" htmlFor={`own-revocation-${card.id}`}>
                      Raison (RFC 5280)
                    </label>
                    <select
                      id={`own-revocation-${card.id}`}
                      className="fr-select"
                      value={revocationReason}
                      onChange={(event) => setRevocationReason(event.target.value as Card.RevocationReason)}
                    >
                      {Object.entries(revocationNames).map(([value, label]) => (
                        <option key={value} value={value}>
                          {label}
                        </option>
                      ))}
                    </select>
                  </div>
                </ConfirmButton>
              </div>
            ) : null}
          </div>
        ))
      )}
      <Button priority="secondary" onClick={() => void ask({ kind: "new-card" }, "Votre demande de nouvelle carte est déposée.")}>
        Demander une nouvelle carte
      </Button>
      <h2 className="fr-mt-4w">Mes questions secrètes</h2>
      <p className="fr-text--sm">
        Définies par vous-même, elles vous permettent de débloquer seul votre carte si son code PIN se bloque (« Débloquer ma carte » sur la page de connexion).
        Celles qu'un opérateur a saisies pour vous ne le permettent pas.
      </p>
      <SecretQuestionsForm
        holder={session.actor.id}
        name={session.actor.name}
        own
        onDone={async (message) => setFeedback({ ok: true, message })}
        onRefused={setFeedback}
      />
      <h2 className="fr-mt-4w">Mes demandes</h2>
      {requests.length === 0 ? (
        <p data-testid="no-own-requests">Aucune demande.</p>
      ) : (
        <ul>
          {requests.map((request) => (
            <li key={request.id}>
              {requestKinds[request.kind] ?? request.kind} du {frenchDate(request.submittedOn)} : {requestStatus[request.status] ?? request.status}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};
