/**
 * Sign-in. With the card: the platform gives a login challenge with a pairing and a ticket for
 * the card agent on this workstation; the PIN typed here goes to the agent on 127.0.0.1 only,
 * which has the card sign the challenge; the platform opens the session on that signature. With a
 * bootstrap token (the first national administrator of a new platform, once, before any card):
 * the token is checked by the platform and kept in memory like a session's.
 */
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Contract } from "@comedec/http-contract";
import { useState } from "react";
import * as Api from "../Api.js";
import * as CardAgent from "../CardAgent.js";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { messages } from "../Messages.js";
import { useSession } from "../Session.js";

/** The card sign-in and the bootstrap form. */
export const SignIn = () => {
  const { signIn, ended, agentUrl, setAgentUrl } = useSession();
  const [pin, setPin] = useState("");
  const [agentField, setAgentField] = useState(agentUrl);
  const [token, setToken] = useState("");
  // Asked for only when several cards are in this workstation's readers.
  const [card, setCard] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // Offered once the agent warned that one try is left: the holder chooses to spend it.
  const [finalTryOffered, setFinalTryOffered] = useState(false);
  const [finalTry, setFinalTry] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [bootstrapFeedback, setBootstrapFeedback] = useState<Feedback>(undefined);

  const withCard = async () => {
    const agent = CardAgent.loopbackUrl(agentField);
    if (agent === undefined) {
      setFeedback({ ok: false, refusal: { code: "agent-host-refused", message: "L'agent de carte s'adresse en http://127.0.0.1:PORT." } });
      return;
    }
    if (!/^[0-9]{4,12}$/.test(pin)) {
      setFeedback({ ok: false, refusal: { code: "pin-rejected", message: messages["pin-rejected"] ?? "" } });
      return;
    }
    setAgentUrl(agent);
    setBusy(true);
    setFeedback(undefined);
    try {
      const login = await Api.call(Contract.CardAgent.login, { body: { origin: window.location.origin } });
      if (!login.ok) return setFeedback(login);
      const signed = await CardAgent.login(agent, login.value.pairing, login.value.ticket, pin, card?.trim(), finalTryOffered && finalTry);
      setFinalTry(false);
      if (!signed.ok) {
        if (signed.refusal.code === "agent-card-not-chosen" && card === undefined) setCard("");
        if (signed.refusal.code === "pin-final-try") setFinalTryOffered(true);
        if (signed.refusal.code === "pin-locked") setFinalTryOffered(false);
        return setFeedback(signed);
      }
      const opened = await Api.call(Contract.Sessions.open, {
        body: { challenge: login.value.challenge.id, certificate: signed.value.certificate, signature: signed.value.signature },
      });
      if (!opened.ok) return setFeedback(opened);
      signIn({
        token: opened.value.token,
        actor: opened.value.actor,
        kind: "card",
        card: signed.value.card,
        expiresAt: new Date(opened.value.expiresAt),
      });
    } finally {
      // The PIN is forgotten whatever happened: it is typed again for the next signature.
      setPin("");
      setBusy(false);
    }
  };

  const withToken = async () => {
    const typed = token.trim();
    setToken("");
    if (typed.length === 0) return;
    const current = await Api.call(Contract.Sessions.current, {}, typed);
    if (!current.ok) return setBootstrapFeedback(current);
    // The agent's address typed beside the card's form serves the desk operations of this session too.
    const agent = CardAgent.loopbackUrl(agentField);
    if (agent !== undefined) setAgentUrl(agent);
    signIn({ token: typed, actor: current.value.actor, kind: "bootstrap" });
  };

  return (
    <div className="fr-grid-row fr-grid-row--gutters">
      <div className="fr-col-12 fr-col-md-7">
        <h1>Connexion avec votre carte</h1>
        {ended === undefined ? null : <Alert severity="info" small description={ended} className="fr-mb-2w" />}
        <p>
          Insérez votre carte COMEDEC dans le lecteur de ce poste et tapez son code PIN. Le code PIN est transmis uniquement à l'agent de carte de ce poste,
          jamais à la plateforme.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void withCard();
          }}
          aria-describedby="signin-help"
        >
          <Input
            label="Code PIN de la carte"
            hintText="4 à 12 chiffres"
            nativeInputProps={{
              type: "password",
              inputMode: "numeric",
              autoComplete: "off",
              value: pin,
              onChange: (event) => setPin(event.target.value),
              name: "pin",
              required: true,
            }}
          />
          {card === undefined ? null : (
            <Input
              label="Numéro de série de votre carte"
              hintText="Imprimé sur la carte (plusieurs cartes sont insérées dans les lecteurs de ce poste)"
              nativeInputProps={{ value: card, onChange: (event) => setCard(event.target.value), name: "card" }}
            />
          )}
          {finalTryOffered ? (
            <div className="fr-checkbox-group fr-mb-2w">
              <input type="checkbox" id="final-try" name="finalTry" checked={finalTry} onChange={(event) => setFinalTry(event.target.checked)} />
              <label className="fr-label" htmlFor="final-try">
                J'utilise le dernier essai de ma carte (un code PIN erroné la bloquera)
              </label>
            </div>
          ) : null}
          <Input
            label="Adresse de l'agent de carte"
            hintText="Sur ce poste, par défaut http://127.0.0.1:7300"
            nativeInputProps={{ value: agentField, onChange: (event) => setAgentField(event.target.value), name: "agent" }}
          />
          <Button type="submit" disabled={busy}>
            {busy ? "Connexion…" : "Se connecter avec la carte"}
          </Button>
        </form>
        <p id="signin-help" className="fr-hint-text fr-mt-2w">
          L'agent de carte (comedec-card-agent) doit être lancé sur ce poste pour la console servie à {window.location.origin}.
        </p>
        <FeedbackAlert feedback={feedback} />
        <p className="fr-mt-2w">
          Code PIN bloqué ?{" "}
          <a className="fr-link" href="#debloquer-ma-carte">
            Débloquer ma carte
          </a>{" "}
          avec mes questions secrètes.
        </p>
      </div>
      <div className="fr-col-12 fr-col-md-5">
        <h2 className="fr-h4">Première connexion de la plateforme</h2>
        <p className="fr-text--sm">
          L'administrateur national d'une plateforme neuve se connecte une fois avec le jeton d'amorçage (fichier <code>.data/admin-token</code>), puis fait
          enrôler sa carte.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void withToken();
          }}
        >
          <Input
            label="Jeton d'amorçage"
            nativeInputProps={{ type: "password", autoComplete: "off", value: token, onChange: (event) => setToken(event.target.value), name: "token" }}
          />
          <Button type="submit" priority="secondary">
            Se connecter avec le jeton
          </Button>
        </form>
        <FeedbackAlert feedback={bootstrapFeedback} />
      </div>
    </div>
  );
};
