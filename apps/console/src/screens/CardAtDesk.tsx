/**
 * The card operations done at the desk through the card agent, with the card in the reader of
 * this workstation: the hand-over of a received card (the activation code and the document
 * checked face to face, then the holder types their first PIN, twice), the renewal of an active
 * card's certificates (the holder types their PIN) and the unblock of a PIN-blocked card (the
 * holder authenticated face to face, then typing a new PIN). The PINs go to the agent only; the
 * progress of each step is announced.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Actor } from "@comedec/actor";
import { type Card, Secrets } from "@comedec/card";
import { Contract } from "@comedec/http-contract";
import { useState } from "react";
import * as CardWork from "../CardWork.js";
import type { Feedback } from "../Feedback.js";
import { type Session, useCall, useSession } from "../Session.js";
import { validate } from "../Validation.js";

const pinPattern = /^[0-9]{4,12}$/;

/** The PIN typed twice by the holder, checked here before anything is sent to the agent. */
const pinError = (pin: string, again: string): string | undefined =>
  !pinPattern.test(pin) ? "Le code PIN compte 4 à 12 chiffres." : pin !== again ? "Les deux saisies du code PIN diffèrent." : undefined;

/** The holder's PIN fields (new PIN and its confirmation, or the current PIN). */
const PinFields = ({
  id,
  pin,
  again,
  setPin,
  setAgain,
  error,
  confirm,
  label,
}: {
  readonly id: string;
  readonly pin: string;
  readonly again: string;
  readonly setPin: (pin: string) => void;
  readonly setAgain: (pin: string) => void;
  readonly error: string | undefined;
  readonly confirm: boolean;
  readonly label: string;
}) => (
  <>
    <Input
      label={label}
      hintText="Tapé par le titulaire sur ce poste ; transmis à l'agent de carte uniquement"
      state={error === undefined ? "default" : "error"}
      stateRelatedMessage={error}
      nativeInputProps={{
        id: `${id}-pin`,
        type: "password",
        inputMode: "numeric",
        autoComplete: "off",
        value: pin,
        onChange: (event) => setPin(event.target.value),
      }}
    />
    {confirm ? (
      <Input
        label="Confirmation du code PIN"
        nativeInputProps={{
          id: `${id}-again`,
          type: "password",
          inputMode: "numeric",
          autoComplete: "off",
          value: again,
          onChange: (event) => setAgain(event.target.value),
        }}
      />
    ) : null}
  </>
);

/** The live progress of an operation at the agent. */
const ProgressLine = ({ step }: { readonly step: string | undefined }) => (
  <p className="fr-text--sm fr-mb-1w" aria-live="polite" data-testid="progress">
    {step ?? ""}
  </p>
);

/** What each form needs from the card's panel. */
interface Props {
  readonly card: Card.State;
  readonly reasonChecked: () => string | undefined;
  readonly onDone: (message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
}

/** The hand-over of a received card, at the desk. */
export const HandOverForm = ({ card, reasonChecked, onDone, onRefused }: Props) => {
  const call = useCall();
  const { agentUrl, session } = useSession();
  const [code, setCode] = useState("");
  const [documentType, setDocumentType] = useState<"carte-nationale-identite" | "passeport" | "titre-de-sejour">("carte-nationale-identite");
  const [documentNumber, setDocumentNumber] = useState("");
  // At a prefecture's desk, the hand-over is at the prefecture (a commune's first cards); a card of the national site's, at ANTS.
  const [place, setPlace] = useState<"mairie" | "prefecture" | "ants">(
    card.site._tag === "national" ? "ants" : session?.actor.site._tag === "prefecture" ? "prefecture" : "mairie",
  );
  const [resume, setResume] = useState(false);
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  const [step, setStep] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const found: Record<string, string> = {};
    if (!resume && !validate(Secrets.TypedCode, code.trim(), { "": "Code" }).ok) found.code = "Le code d'activation figure sur le courrier remis au titulaire.";
    if (!resume && !/^[A-Z0-9]{6,20}$/.test(documentNumber.trim().toUpperCase())) found.document = "Numéro de la pièce : 6 à 20 lettres capitales ou chiffres.";
    const wrongPin = pinError(pin, again);
    if (wrongPin !== undefined) found.pin = wrongPin;
    setErrors(found);
    const reason = reasonChecked();
    if (Object.keys(found).length > 0 || reason === undefined) return;
    setBusy(true);
    try {
      const result = await CardWork.handOver(
        call,
        agentUrl,
        { card: card.id, activationCode: code, document: { type: documentType, number: documentNumber }, place, reason, newPin: pin, resume },
        setStep,
      );
      setStep(undefined);
      if (!result.ok) return onRefused(result);
      await onDone(`La carte ${card.serial ?? card.id} est remise et publiée : le titulaire peut se connecter avec son code PIN.`);
    } finally {
      setPin("");
      setAgain("");
      setBusy(false);
    }
  };

  return (
    <form
      noValidate
      className="fr-mt-2w"
      aria-label={`Remise de la carte ${card.serial ?? card.id}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <p className="fr-text--sm">
        Remise en face à face, la carte insérée dans le lecteur de ce poste : contrôlez la pièce d'identité et le code d'activation, puis le titulaire choisit
        son code PIN.
      </p>
      <div className="fr-checkbox-group fr-mb-2w">
        <input type="checkbox" id={`resume-${card.id}`} checked={resume} onChange={(event) => setResume(event.target.checked)} />
        <label className="fr-label" htmlFor={`resume-${card.id}`}>
          Reprendre une remise interrompue (le code d'activation a déjà servi)
        </label>
      </div>
      {resume ? null : (
        <>
          <Input
            label="Code d'activation"
            state={errors.code === undefined ? "default" : "error"}
            stateRelatedMessage={errors.code}
            nativeInputProps={{ id: `code-${card.id}`, autoComplete: "off", value: code, onChange: (event) => setCode(event.target.value) }}
          />
          <div className="fr-select-group">
            <label className="fr-label" htmlFor={`hand-over-document-${card.id}`}>
              Pièce d'identité présentée
            </label>
            <select
              id={`hand-over-document-${card.id}`}
              className="fr-select"
              value={documentType}
              onChange={(event) => setDocumentType(event.target.value as typeof documentType)}
            >
              <option value="carte-nationale-identite">carte nationale d'identité</option>
              <option value="passeport">passeport</option>
              <option value="titre-de-sejour">titre de séjour</option>
            </select>
          </div>
          <Input
            label="Numéro de la pièce présentée"
            state={errors.document === undefined ? "default" : "error"}
            stateRelatedMessage={errors.document}
            nativeInputProps={{ id: `hand-over-number-${card.id}`, value: documentNumber, onChange: (event) => setDocumentNumber(event.target.value) }}
          />
          <div className="fr-select-group">
            <label className="fr-label" htmlFor={`place-${card.id}`}>
              Lieu de la remise
            </label>
            <select id={`place-${card.id}`} className="fr-select" value={place} onChange={(event) => setPlace(event.target.value as typeof place)}>
              <option value="mairie">mairie</option>
              <option value="prefecture">préfecture</option>
              <option value="ants">ANTS (niveau national)</option>
            </select>
          </div>
        </>
      )}
      <PinFields
        id={`hand-over-${card.id}`}
        pin={pin}
        again={again}
        setPin={setPin}
        setAgain={setAgain}
        error={errors.pin}
        confirm
        label="Code PIN choisi par le titulaire"
      />
      <ProgressLine step={step} />
      <Button type="submit" size="small" disabled={busy}>
        Remettre la carte
      </Button>
    </form>
  );
};

/** New certificates on an active card, the holder typing their PIN. */
export const RenewalForm = ({ card, reasonChecked, onDone, onRefused }: Props) => {
  const call = useCall();
  const { agentUrl } = useSession();
  const [pin, setPin] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [step, setStep] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const wrong = pinError(pin, pin);
    setError(wrong);
    const reason = reasonChecked();
    if (wrong !== undefined || reason === undefined) return;
    setBusy(true);
    try {
      const result = await CardWork.renewCertificates(call, agentUrl, { card: card.id, reason, pin }, setStep);
      setStep(undefined);
      if (!result.ok) return onRefused(result);
      await onDone(`Les certificats de la carte ${card.serial ?? card.id} sont renouvelés.`);
    } finally {
      setPin("");
      setBusy(false);
    }
  };
  return (
    <form
      noValidate
      className="fr-mt-2w"
      aria-label={`Renouvellement des certificats de la carte ${card.serial ?? card.id}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <PinFields
        id={`renewal-${card.id}`}
        pin={pin}
        again={pin}
        setPin={setPin}
        setAgain={() => undefined}
        error={error}
        confirm={false}
        label="Code PIN actuel du titulaire"
      />
      <ProgressLine step={step} />
      <Button type="submit" size="small" priority="secondary" disabled={busy}>
        Renouveler les certificats
      </Button>
    </form>
  );
};

/**
 * The unblock of a PIN-blocked card: the holder authenticated face to face, or by the answers to
 * their secret questions (the platform checks them), then typing a new PIN.
 */
export const UnblockForm = ({ card, reasonChecked, onDone, onRefused }: Props) => {
  const call = useCall();
  const { agentUrl } = useSession();
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  const [seen, setSeen] = useState(false);
  const [how, setHow] = useState<"face-to-face" | "secret-answers">("face-to-face");
  const [questions, setQuestions] = useState<ReadonlyArray<string> | undefined>(undefined);
  const [answers, setAnswers] = useState<Readonly<Record<number, string>>>({});
  const choose = async (chosen: "face-to-face" | "secret-answers") => {
    setHow(chosen);
    if (chosen !== "secret-answers" || questions !== undefined) return;
    const asked = await call(Contract.Cards.getSecretQuestions, { params: { id: card.holder } });
    if (!asked.ok) return onRefused(asked);
    setQuestions(asked.value.questions);
  };
  const [error, setError] = useState<string | undefined>(undefined);
  const [step, setStep] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const given = Object.entries(answers)
      .filter(([, answer]) => answer.trim() !== "")
      .map(([question, answer]) => ({ question: Number(question), answer: answer.trim() }));
    const wrong =
      how === "face-to-face" && !seen
        ? "Vérifiez l'identité du titulaire en face à face avant le déblocage."
        : how === "secret-answers" && given.length < Secrets.questionsAsked
          ? `Saisissez les réponses du titulaire à au moins ${Secrets.questionsAsked} questions.`
          : pinError(pin, again);
    setError(wrong);
    const reason = reasonChecked();
    if (wrong !== undefined || reason === undefined) return;
    setBusy(true);
    try {
      const result = await CardWork.unblock(
        call,
        agentUrl,
        {
          card: card.id,
          serial: card.serial,
          status: card.status,
          holderAuthentication: how,
          ...(how === "secret-answers" ? { answers: given } : {}),
          reason,
          newPin: pin,
        },
        setStep,
      );
      setStep(undefined);
      if (!result.ok) return onRefused(result);
      await onDone(`La carte ${card.serial ?? card.id} est débloquée : le titulaire se connecte avec son nouveau code PIN.`);
    } finally {
      setPin("");
      setAgain("");
      setBusy(false);
    }
  };
  return (
    <form
      noValidate
      className="fr-mt-2w"
      aria-label={`Déblocage de la carte ${card.serial ?? card.id}`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <fieldset className="fr-fieldset">
        <legend className="fr-fieldset__legend fr-text--regular">Authentification du titulaire</legend>
        {(
          [
            ["face-to-face", "En face à face, pièce d'identité vue"],
            ["secret-answers", "Par ses réponses à ses questions secrètes"],
          ] as const
        ).map(([value, text]) => (
          <div className="fr-fieldset__element" key={value}>
            <div className="fr-radio-group">
              <input
                type="radio"
                id={`unblock-${value}-${card.id}`}
                name={`unblock-how-${card.id}`}
                checked={how === value}
                onChange={() => void choose(value)}
              />
              <label className="fr-label" htmlFor={`unblock-${value}-${card.id}`}>
                {text}
              </label>
            </div>
          </div>
        ))}
      </fieldset>
      {how === "face-to-face" ? (
        <div className="fr-checkbox-group fr-mb-2w">
          <input type="checkbox" id={`unblock-seen-${card.id}`} checked={seen} onChange={(event) => setSeen(event.target.checked)} />
          <label className="fr-label" htmlFor={`unblock-seen-${card.id}`}>
            J'ai vérifié l'identité du titulaire en face à face, sa carte dans le lecteur de ce poste
          </label>
        </div>
      ) : questions === undefined ? (
        <p className="fr-text--sm">Chargement des questions…</p>
      ) : questions.length === 0 ? (
        <p className="fr-text--sm">Ce titulaire n'a pas défini de questions secrètes : authentifiez-le en face à face.</p>
      ) : (
        questions.map((question, index) => (
          <Input
            // biome-ignore lint/suspicious/noArrayIndexKey: the questions' order is the platform's numbering
            key={index}
            label={question}
            hintText="Réponse donnée par le titulaire"
            nativeInputProps={{
              type: "password",
              autoComplete: "off",
              value: answers[index] ?? "",
              onChange: (event) => setAnswers({ ...answers, [index]: event.target.value }),
            }}
          />
        ))
      )}
      <PinFields
        id={`unblock-${card.id}`}
        pin={pin}
        again={again}
        setPin={setPin}
        setAgain={setAgain}
        error={error}
        confirm
        label="Nouveau code PIN choisi par le titulaire"
      />
      <ProgressLine step={step} />
      <Button type="submit" size="small" priority="secondary" disabled={busy}>
        Débloquer la carte
      </Button>
    </form>
  );
};

/** Whether a card's state offers the operation (the platform decides in the end). */
export const offers = {
  handOver: (card: Card.State) => card.status === "received",
  renewal: (card: Card.State) => card.status === "active",
  unblock: (card: Card.State) => card.status === "active" || card.status === "pin-blocked",
  /**
   * Whether the hand-over is this session's to make: ANTS hands over at its own desk only — a card
   * of the national site, by a person there, signed in with their card, or the bootstrap session
   * for the platform's first card (ADR 0018); a commune's or a prefecture's card is its site's.
   */
  handOverHere: (session: Pick<Session, "kind" | "actor">, card: Card.State) =>
    session.actor.role !== "national-administrator" ||
    (card.site._tag === "national" && (session.kind === "card" || Actor.isBootstrapAdministrator(session.actor))),
};
