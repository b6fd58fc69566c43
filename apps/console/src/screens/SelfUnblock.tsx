/**
 * « Débloquer ma carte », from the sign-in page, without a session (ADR 0018): the agent reads the
 * cards in this workstation's readers, the holder picks their card whose PIN is locked, answers
 * the secret questions they set themselves, and types a new PIN twice — sent to the agent only.
 * Each step is a form of its own; the result is announced and the way back to sign-in offered.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { useState } from "react";
import * as CardAgent from "../CardAgent.js";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import * as SelfUnblock from "../SelfUnblock.js";
import { useSession } from "../Session.js";

const pinPattern = /^[0-9]{4,12}$/;

/** The self-unblock screen. */
export const SelfUnblockScreen = () => {
  const { agentUrl, setAgentUrl } = useSession();
  const [agentField, setAgentField] = useState(agentUrl);
  const [walk, setWalk] = useState<SelfUnblock.Walk | undefined>(undefined);
  const [serial, setSerial] = useState<string | undefined>(undefined);
  const [questions, setQuestions] = useState<{ readonly list: ReadonlyArray<string>; readonly asked: number } | undefined>(undefined);
  const [answers, setAnswers] = useState<Readonly<Record<number, string>>>({});
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const locked = walk?.cards.filter((card) => card.pin.locked) ?? [];

  const read = async () => {
    const agent = CardAgent.loopbackUrl(agentField);
    if (agent === undefined) {
      setFeedback({ ok: false, refusal: { code: "agent-host-refused", message: "L'agent de carte s'adresse en http://127.0.0.1:PORT." } });
      return;
    }
    setAgentUrl(agent);
    setBusy(true);
    setFeedback(undefined);
    setQuestions(undefined);
    setSerial(undefined);
    try {
      const started = await SelfUnblock.start(agent);
      if (!started.ok) return setFeedback(started);
      setWalk(started.walk);
      const first = started.walk.cards.filter((card) => card.pin.locked);
      if (first.length === 1) setSerial(first[0]?.serial);
    } finally {
      setBusy(false);
    }
  };

  const ask = async () => {
    if (walk === undefined || serial === undefined) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      const asked = await SelfUnblock.questionsFor(walk, serial);
      if (!asked.ok) return setFeedback(asked);
      setWalk(asked.walk);
      setAnswers({});
      setQuestions({ list: asked.questions, asked: asked.asked });
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (walk === undefined || questions === undefined) return;
    const given = Object.entries(answers)
      .filter(([, answer]) => answer.trim() !== "")
      .map(([question, answer]) => ({ question: Number(question), answer: answer.trim() }));
    const wrong =
      given.length < questions.asked
        ? `Répondez à au moins ${questions.asked} de vos questions.`
        : !pinPattern.test(pin)
          ? "Le code PIN compte 4 à 12 chiffres."
          : pin !== again
            ? "Les deux saisies du code PIN diffèrent."
            : undefined;
    setError(wrong);
    if (wrong !== undefined) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      const result = await SelfUnblock.unblock(walk, given, pin);
      if (!result.ok) return setFeedback(result);
      setDone(true);
      setFeedback({ ok: true, message: `Votre carte ${serial ?? ""} est débloquée : connectez-vous avec votre nouveau code PIN.` });
    } finally {
      setPin("");
      setAgain("");
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="self-unblock-title" className="fr-col-12 fr-col-md-8">
      <h1 id="self-unblock-title">Débloquer ma carte</h1>
      <p>
        Votre code PIN est bloqué après trois erreurs ? Laissez votre carte dans le lecteur de ce poste : vous la débloquez vous-même en répondant aux questions
        secrètes que vous avez définies, puis en choisissant un nouveau code PIN, transmis uniquement à l'agent de carte de ce poste. Si vos questions ont été
        saisies par un opérateur, faites débloquer votre carte par le responsable carte de votre mairie.
      </p>
      <FeedbackAlert feedback={feedback} />
      {done ? (
        <p>
          <a className="fr-link" href="#connexion">
            Revenir à la connexion
          </a>
        </p>
      ) : (
        <>
          <form
            aria-label="Lecture de la carte"
            onSubmit={(event) => {
              event.preventDefault();
              void read();
            }}
          >
            <Input
              label="Adresse de l'agent de carte"
              hintText="Sur ce poste, par défaut http://127.0.0.1:7300"
              nativeInputProps={{ value: agentField, onChange: (event) => setAgentField(event.target.value), name: "agent" }}
            />
            <Button type="submit" disabled={busy} priority={walk === undefined ? "primary" : "secondary"}>
              {walk === undefined ? "Lire ma carte" : "Lire de nouveau les cartes"}
            </Button>
          </form>
          {walk === undefined ? null : locked.length === 0 ? (
            <p className="fr-callout fr-mt-2w" data-testid="no-locked-card">
              Aucune carte au code PIN bloqué n'est insérée dans les lecteurs de ce poste.
            </p>
          ) : (
            <form
              className="fr-mt-3w"
              aria-label="Choix de la carte"
              onSubmit={(event) => {
                event.preventDefault();
                void ask();
              }}
            >
              <fieldset className="fr-fieldset">
                <legend className="fr-fieldset__legend fr-text--regular">Votre carte au code PIN bloqué</legend>
                {locked.map((card) => (
                  <div className="fr-fieldset__element" key={card.serial}>
                    <div className="fr-radio-group">
                      <input
                        type="radio"
                        id={`self-unblock-${card.serial}`}
                        name="self-unblock-card"
                        checked={serial === card.serial}
                        onChange={() => {
                          setSerial(card.serial);
                          setQuestions(undefined);
                        }}
                      />
                      <label className="fr-label" htmlFor={`self-unblock-${card.serial}`}>
                        Carte {card.serial}
                      </label>
                    </div>
                  </div>
                ))}
              </fieldset>
              <Button type="submit" disabled={busy || serial === undefined} priority={questions === undefined ? "primary" : "secondary"}>
                Afficher mes questions secrètes
              </Button>
            </form>
          )}
          {questions === undefined ? null : (
            <form
              noValidate
              className="fr-mt-3w"
              aria-label={`Déblocage de ma carte ${serial ?? ""}`}
              onSubmit={(event) => {
                event.preventDefault();
                void submit();
              }}
            >
              <fieldset className="fr-fieldset">
                <legend className="fr-fieldset__legend fr-text--regular">
                  Répondez à au moins {questions.asked} de vos questions (trois séries de réponses erronées les bloquent)
                </legend>
                {questions.list.map((question, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the questions' order is the platform's numbering
                  <div className="fr-fieldset__element" key={index}>
                    <Input
                      label={question}
                      nativeInputProps={{
                        type: "password",
                        autoComplete: "off",
                        value: answers[index] ?? "",
                        onChange: (event) => setAnswers({ ...answers, [index]: event.target.value }),
                      }}
                    />
                  </div>
                ))}
              </fieldset>
              <Input
                label="Nouveau code PIN"
                hintText="4 à 12 chiffres ; transmis à l'agent de carte uniquement"
                state={error === undefined ? "default" : "error"}
                stateRelatedMessage={error}
                nativeInputProps={{
                  type: "password",
                  inputMode: "numeric",
                  autoComplete: "off",
                  value: pin,
                  onChange: (event) => setPin(event.target.value),
                }}
              />
              <Input
                label="Confirmation du nouveau code PIN"
                nativeInputProps={{
                  type: "password",
                  inputMode: "numeric",
                  autoComplete: "off",
                  value: again,
                  onChange: (event) => setAgain(event.target.value),
                }}
              />
              <Button type="submit" disabled={busy}>
                Débloquer ma carte
              </Button>
            </form>
          )}
          <p className="fr-mt-3w">
            <a className="fr-link" href="#connexion">
              Revenir à la connexion
            </a>
          </p>
        </>
      )}
    </section>
  );
};
