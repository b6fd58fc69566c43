/**
 * The commune's onboarding file, for its responsable carte and délégué: the milestones done (when,
 * by whom), the next ones and who acts, what blocks, the deadlines missed (drawn by
 * `OnboardingProgress`, as ANTS's file of any commune is), its two conventions and the connection
 * test's standing. Read only: milestones are recorded by the operations that make them, or by the
 * party the graph names. The specimen file is sent from here, checked in the page
 * by the contract's Schema first.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Specimen } from "@comedec/exchange";
import { Contract } from "@comedec/http-contract";
import { useEffect, useState } from "react";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { conventionStatusNames, StatusView } from "../OnboardingProgress.js";
import { useCall, useSignedIn } from "../Session.js";
import { frenchDate, validate } from "../Validation.js";

/** The onboarding file screen. */
export const OnboardingFile = () => {
  const session = useSignedIn();
  const call = useCall();
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [file, setFile] = useState<
    | {
        readonly status: (typeof Contract.Onboarding.OnboardingStatus)["Type"];
        readonly conventions: ReadonlyArray<Contract.Conventions.ConventionRecord>;
        readonly test: Contract.Exchange.TestStanding | undefined;
      }
    | undefined
  >(undefined);
  const commune = session.actor.site._tag === "commune" ? session.actor.site.commune : undefined;
  const [loaded, setLoaded] = useState(0);
  const [specimens, setSpecimens] = useState<File | undefined>(undefined);

  /** The specimen file chosen, checked in the page by the contract's Schema, then sent. */
  const send = async () => {
    if (commune === undefined || specimens === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(await specimens.text());
    } catch {
      return setFeedback({ ok: false, refusal: { code: "malformed-json", message: "Le fichier choisi n'est pas un fichier JSON." } });
    }
    const checked = validate(Specimen.SpecimenFile, json, { acts: "Actes du fichier", trainedBy: "Formation", "": "Fichier" });
    if (!checked.ok) return setFeedback({ ok: false, refusal: { code: "invalid-request", message: Object.values(checked.errors).join(" ") } });
    const sent = await call(Contract.Exchange.uploadSpecimenFile, { params: { code: commune as never }, body: checked.value });
    if (!sent.ok) return setFeedback(sent);
    setFeedback({
      ok: true,
      message: `Fichier de spécimens reçu : ${sent.value.requests} demandes de spécimen faites, à traiter avant la formation du ${frenchDate(sent.value.trainingOn)}.`,
    });
    setLoaded(loaded + 1);
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: `loaded` counts the changes, each read again
  useEffect(() => {
    if (commune === undefined) return;
    const params = { params: { code: commune as never } };
    void (async () => {
      const [status, conventions, test] = await Promise.all([
        call(Contract.Onboarding.status, params),
        call(Contract.Conventions.ofCommune, params),
        call(Contract.Exchange.connectionTest, params),
      ]);
      if (!status.ok) return setFeedback(status);
      setFile({ status: status.value.status, conventions: conventions.ok ? conventions.value.items : [], test: test.ok ? test.value : undefined });
    })();
  }, [call, commune, loaded]);

  if (commune === undefined)
    return (
      <section aria-labelledby="file-title">
        <h1 id="file-title">Dossier de la commune</h1>
        <p className="fr-callout">Le dossier de raccordement concerne les communes : votre site n'en a pas.</p>
      </section>
    );
  return (
    <section aria-labelledby="file-title">
      <h1 id="file-title">Dossier de raccordement de la commune {commune}</h1>
      <FeedbackAlert feedback={feedback} />
      {file === undefined ? (
        <p>Chargement…</p>
      ) : (
        <>
          <StatusView status={file.status} />
          <h2>Conventions</h2>
          {file.conventions.length === 0 ? (
            <p>Aucune convention n'est déposée.</p>
          ) : (
            <ul>
              {file.conventions.map((convention) => (
                <li key={convention.id}>
                  Convention {convention.terms.kind} signée le {frenchDate(convention.terms.signedOn)} :{" "}
                  {conventionStatusNames[convention.status] ?? convention.status}
                </li>
              ))}
            </ul>
          )}
          <h2>Test de raccordement</h2>
          {file.test === undefined || file.test.total === 0 ? (
            <p>Aucune demande de spécimen n'est encore faite.</p>
          ) : (
            <p data-testid="file-test">
              {file.test.answered} réponse(s) sur {file.test.total} demandes de spécimen, dont {file.test.correct} exacte(s) :{" "}
              {file.test.passed ? "test réussi." : "test en cours."}
            </p>
          )}
          <form
            className="fr-mt-2w"
            onSubmit={(event) => {
              event.preventDefault();
              void send();
            }}
          >
            <div className="fr-upload-group fr-mb-2w">
              <label className="fr-label" htmlFor="specimen-file">
                Fichier de spécimens (actes fictifs de la mairie)
                <span className="fr-hint-text">Format JSON, 2 à 50 actes ; au moins 7 jours avant la formation</span>
              </label>
              <input
                className="fr-upload"
                type="file"
                id="specimen-file"
                accept="application/json,.json"
                onChange={(event) => setSpecimens(event.target.files?.[0])}
              />
            </div>
            <Button type="submit" priority="secondary" disabled={specimens === undefined}>
              Envoyer le fichier de spécimens
            </Button>
          </form>
        </>
      )}
    </section>
  );
};
