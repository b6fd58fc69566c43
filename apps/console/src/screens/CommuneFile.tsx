/**
 * ANTS's file of any commune: found by its name or INSEE code, then where its onboarding stands
 * (drawn by `OnboardingProgress`, as the mairie's own file is) — what blocks, who acts next, the
 * timeline with who acted, when and on what evidence — its conventions, and the milestones that are
 * ANTS's to record. The connection is triggered through the platform's operation (readers shipped,
 * then the first two cards' activation codes sent), which records the milestone itself; the
 * conventions received, the connection date and the connection confirmed are recorded with their
 * evidence. Every form is checked in the page by the contract's Schema before it is sent.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { type Onboarding as Graph, InseeCode } from "@comedec/commune";
import { Contract } from "@comedec/http-contract";
import { Schema } from "effect";
import { useCallback, useEffect, useState } from "react";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { conventionStatusNames, milestoneTitle, type Status, StatusView, Timeline, type TimelineEntry } from "../OnboardingProgress.js";
import { Pagination, useCursorPages } from "../Pagination.js";
import { useCall } from "../Session.js";
import { type FieldErrors, frenchDate, today, validate } from "../Validation.js";

type CommuneSummary = (typeof Contract.Communes.CommunePage)["Type"]["items"][number];

const pageSize = 10;
const isInseeCode = Schema.is(InseeCode.InseeCode);

/** The milestones ANTS records by hand from the file; the connection triggered goes through its operation. */
const recordable = ["conventionsReceived", "connectionDate", "connected"] as const satisfies ReadonlyArray<Graph.Milestone>;
type Recordable = (typeof recordable)[number];

/** The commune file screen: the search, then the file of the commune opened. */
export const CommuneFile = () => {
  const call = useCall();
  const [search, setSearch] = useState("");
  const pages = useCursorPages();
  const [results, setResults] = useState<{ readonly items: ReadonlyArray<CommuneSummary>; readonly next: string | null } | undefined>(undefined);
  const [opened, setOpened] = useState<CommuneSummary | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const find = async (cursor: string | undefined) => {
    const wanted = search.trim();
    if (wanted === "") return setFeedback({ ok: false, refusal: { code: "invalid-request", message: "Saisissez le nom ou le code INSEE d'une commune." } });
    setFeedback(undefined);
    const code = wanted.toUpperCase();
    if (isInseeCode(code)) {
      const one = await call(Contract.Communes.get, { params: { code } });
      if (!one.ok) return one.refusal.code === "commune-not-found" ? setResults({ items: [], next: null }) : setFeedback(one);
      return setResults({ items: [one.value], next: null });
    }
    const found = await call(Contract.Communes.list, {
      query: { name: wanted, limit: pageSize, ...(cursor === undefined ? {} : { cursor: cursor as never }) },
    });
    if (!found.ok) return setFeedback(found);
    setResults({ items: found.value.items, next: found.value.nextCursor });
  };

  return (
    <section aria-labelledby="communes-title">
      <h1 id="communes-title">Dossiers des communes</h1>
      <FeedbackAlert feedback={feedback} />
      <search>
        <form
          className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom"
          onSubmit={(event) => {
            event.preventDefault();
            pages.reset();
            void find(undefined);
          }}
        >
          <div className="fr-col-12 fr-col-md-8">
            <Input
              label="Nom ou code INSEE de la commune"
              hintText="Par exemple : Villeurbanne, ou 69266"
              nativeInputProps={{ value: search, onChange: (event) => setSearch(event.target.value), name: "commune-search" }}
            />
          </div>
          <div className="fr-col-12 fr-col-md-4 fr-mb-3w">
            <Button type="submit" iconId="fr-icon-search-line">
              Rechercher
            </Button>
          </div>
        </form>
      </search>
      {results === undefined ? (
        <p>Recherchez une commune pour ouvrir son dossier de raccordement.</p>
      ) : results.items.length === 0 ? (
        <p className="fr-callout" data-testid="empty">
          Aucune commune ne correspond à cette recherche.
        </p>
      ) : (
        <>
          <div className="fr-table fr-table--no-caption">
            <table data-testid="communes">
              <caption>Communes trouvées</caption>
              <thead>
                <tr>
                  <th scope="col">Commune</th>
                  <th scope="col">Département</th>
                  <th scope="col">Étapes franchies</th>
                  <th scope="col">Situation</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {results.items.map((commune) => (
                  <tr key={commune.code}>
                    <td>
                      {commune.name} ({commune.code})
                    </td>
                    <td>{commune.departement}</td>
                    <td>{commune.reached.length}</td>
                    <td>{commune.late ? "en retard" : commune.underObligation ? "soumise à l'obligation" : "raccordement volontaire"}</td>
                    <td>
                      <Button size="small" priority="tertiary" onClick={() => setOpened(commune)} title={`Ouvrir le dossier de ${commune.name}`}>
                        Ouvrir le dossier
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            label="Pagination des communes"
            number={pages.number}
            hasPrevious={pages.number > 1}
            hasNext={results.next !== null}
            onPrevious={() => void find(pages.back())}
            onNext={() => {
              if (results.next !== null) void find(pages.forward(results.next));
            }}
          />
        </>
      )}
      {opened === undefined ? null : <OpenedFile key={opened.code} commune={opened} />}
    </section>
  );
};

/** The file of one commune, and ANTS's actions on it. */
const OpenedFile = ({ commune }: { readonly commune: CommuneSummary }) => {
  const call = useCall();
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [file, setFile] = useState<
    | {
        readonly version: number;
        readonly status: Status;
        readonly events: ReadonlyArray<TimelineEntry>;
        readonly conventions: ReadonlyArray<Contract.Conventions.ConventionRecord>;
      }
    | undefined
  >(undefined);

  const load = useCallback(async () => {
    const params = { params: { code: commune.code } };
    const [status, timeline, conventions] = await Promise.all([
      call(Contract.Onboarding.status, params),
      call(Contract.Onboarding.timeline, params),
      call(Contract.Conventions.ofCommune, params),
    ]);
    if (!status.ok) return setFeedback(status);
    setFile({
      version: status.value.version,
      status: status.value.status,
      events: timeline.ok ? timeline.value.events : [],
      conventions: conventions.ok ? conventions.value.items : [],
    });
  }, [call, commune.code]);

  useEffect(() => {
    void load();
  }, [load]);

  const done = async (message: string) => {
    setFeedback({ ok: true, message });
    await load();
  };

  return (
    <section aria-labelledby="file-title" className="fr-mt-4w" data-testid="commune-file">
      <h2 id="file-title">
        Dossier de raccordement de {commune.name} ({commune.code})
      </h2>
      <FeedbackAlert feedback={feedback} />
      {file === undefined ? (
        <p>Chargement…</p>
      ) : (
        <>
          <StatusView status={file.status} heading="h3" />
          <h3>Actions de l'ANTS</h3>
          {file.status.done.some((entry) => entry.milestone === "connectionTriggered") ? null : (
            <TriggerConnection code={commune.code} onDone={done} onRefused={setFeedback} />
          )}
          <RecordMilestone
            key={file.version}
            code={commune.code}
            version={file.version}
            status={file.status}
            conventions={file.conventions}
            onDone={done}
            onRefused={setFeedback}
          />
          <h3>Conventions</h3>
          {file.conventions.length === 0 ? (
            <p>Aucune convention n'est déposée.</p>
          ) : (
            <ul data-testid="file-conventions">
              {file.conventions.map((convention) => (
                <li key={convention.id}>
                  Convention {convention.terms.kind} signée le {frenchDate(convention.terms.signedOn)} :{" "}
                  {conventionStatusNames[convention.status] ?? convention.status}
                </li>
              ))}
            </ul>
          )}
          <Timeline events={file.events} heading="h3" />
        </>
      )}
    </section>
  );
};

/** The connection triggered: readers shipped, then the activation codes of the first two cards sent; the milestone follows. */
const TriggerConnection = ({
  code,
  onDone,
  onRefused,
}: {
  readonly code: InseeCode.InseeCode;
  readonly onDone: (message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
}) => {
  const call = useCall();
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const trigger = async () => {
    const checked = validate(Contract.Cards.triggerConnection.body, { reason: reason.trim() }, { reason: "Motif du déclenchement" });
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.Cards.triggerConnection, { params: { code }, body: checked.value });
    if (!outcome.ok) return onRefused(outcome);
    await onDone(`Raccordement déclenché : lecteurs de cartes expédiés, ${outcome.value.codesSent} codes d'activation envoyés à la mairie.`);
  };
  return (
    <form
      aria-label="Déclenchement du raccordement"
      className="fr-mb-3w"
      onSubmit={(event) => {
        event.preventDefault();
        void trigger();
      }}
    >
      <h4>Déclencher le raccordement</h4>
      <p className="fr-text--sm">
        Les lecteurs de cartes sont expédiés à la mairie, puis les codes d'activation des deux premières cartes (commandées par la préfecture) lui sont envoyés.
        L'étape « {milestoneTitle("connectionTriggered")} » est enregistrée par cette opération.
      </p>
      <Input
        label="Motif du déclenchement"
        hintText="Par exemple : conventions validées, lecteurs disponibles"
        state={errors.reason === undefined ? "default" : "error"}
        stateRelatedMessage={errors.reason}
        nativeInputProps={{ value: reason, onChange: (event) => setReason(event.target.value), name: "trigger-reason" }}
      />
      <Button type="submit">Déclencher le raccordement</Button>
    </form>
  );
};

/** A milestone of ANTS recorded with its evidence: the conventions received, the connection date, the connection confirmed. */
const RecordMilestone = ({
  code,
  version,
  status,
  conventions,
  onDone,
  onRefused,
}: {
  readonly code: InseeCode.InseeCode;
  readonly version: number;
  readonly status: Status;
  readonly conventions: ReadonlyArray<Contract.Conventions.ConventionRecord>;
  readonly onDone: (message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
}) => {
  const call = useCall();
  const open = recordable.filter((milestone) => !status.done.some((entry) => entry.milestone === milestone));
  const [milestone, setMilestone] = useState<Recordable | undefined>(open[0]);
  const validated = conventions.filter((convention) => convention.status === "validated");
  const [chosen, setChosen] = useState<ReadonlyArray<string>>(validated.map((convention) => convention.id));
  const [reference, setReference] = useState("");
  const [note, setNote] = useState("");
  const [connectionOn, setConnectionOn] = useState(today());
  const [errors, setErrors] = useState<FieldErrors>({});
  if (milestone === undefined || !open.includes(milestone)) {
    return open.length === 0 ? <p>Les étapes de l'ANTS sont toutes enregistrées.</p> : null;
  }

  // What the graph still waits for before this milestone: said before anything is sent.
  const waiting = status.blocked.find((entry) => entry.milestone === milestone)?.missing ?? [];

  const record = async () => {
    const evidence = {
      milestone,
      reference: reference.trim(),
      ...(note.trim() === "" ? {} : { note: note.trim() }),
      ...(milestone === "conventionsReceived" ? { conventions: chosen } : {}),
      ...(milestone === "connectionDate" ? { connectionOn } : {}),
    };
    const checked = validate(
      Contract.Onboarding.recordMilestone.body,
      { evidence, expectedVersion: version },
      {
        "evidence.reference": "Référence de la pièce justificative",
        "evidence.note": "Note",
        "evidence.conventions": "Conventions validées",
        "evidence.connectionOn": "Date de raccordement",
      },
    );
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.Onboarding.recordMilestone, { params: { code }, body: checked.value });
    if (!outcome.ok) return onRefused(outcome);
    setReference("");
    setNote("");
    await onDone(`Étape enregistrée : ${milestoneTitle(milestone)}.`);
  };

  return (
    <form
      aria-label="Enregistrement d'une étape de l'ANTS"
      className="fr-mb-3w"
      onSubmit={(event) => {
        event.preventDefault();
        void record();
      }}
    >
      <h4>Enregistrer une étape avec sa pièce justificative</h4>
      <div className="fr-select-group">
        <label className="fr-label" htmlFor="ants-milestone">
          Étape
        </label>
        <select
          id="ants-milestone"
          className="fr-select"
          value={milestone}
          aria-describedby={waiting.length === 0 ? undefined : "ants-milestone-waiting"}
          onChange={(event) => setMilestone(event.target.value as Recordable)}
        >
          {open.map((candidate) => (
            <option key={candidate} value={candidate}>
              {milestoneTitle(candidate)}
            </option>
          ))}
        </select>
        {waiting.length === 0 ? null : (
          <p id="ants-milestone-waiting" className="fr-hint-text fr-mt-1w" data-testid="milestone-waiting">
            Cette étape attend encore : {waiting.map(milestoneTitle).join(", ")}.
          </p>
        )}
      </div>
      {milestone !== "conventionsReceived" ? null : validated.length === 0 ? (
        <p className="fr-callout">Aucune convention de la commune n'est encore validée : validez-les d'abord dans l'écran des conventions.</p>
      ) : (
        <fieldset className="fr-fieldset" aria-describedby={errors["evidence.conventions"] === undefined ? undefined : "conventions-error"}>
          <legend className="fr-fieldset__legend">Conventions validées</legend>
          {validated.map((convention) => (
            <div className="fr-fieldset__element" key={convention.id}>
              <div className="fr-checkbox-group">
                <input
                  type="checkbox"
                  id={`convention-${convention.id}`}
                  checked={chosen.includes(convention.id)}
                  onChange={(event) => setChosen(event.target.checked ? [...chosen, convention.id] : chosen.filter((id) => id !== convention.id))}
                />
                <label className="fr-label" htmlFor={`convention-${convention.id}`}>
                  Convention {convention.terms.kind} signée le {frenchDate(convention.terms.signedOn)}
                </label>
              </div>
            </div>
          ))}
          {errors["evidence.conventions"] === undefined ? null : (
            <p id="conventions-error" className="fr-error-text">
              {errors["evidence.conventions"]}
            </p>
          )}
        </fieldset>
      )}
      {milestone !== "connectionDate" ? null : (
        <Input
          label="Date de raccordement"
          hintText="Choisie par la commune après la formation"
          state={errors["evidence.connectionOn"] === undefined ? "default" : "error"}
          stateRelatedMessage={errors["evidence.connectionOn"]}
          nativeInputProps={{ type: "date", value: connectionOn, onChange: (event) => setConnectionOn(event.target.value), name: "connection-on" }}
        />
      )}
      <Input
        label="Référence de la pièce justificative"
        hintText="Numéro de courrier, objet du courriel, référence du dossier"
        state={errors["evidence.reference"] === undefined ? "default" : "error"}
        stateRelatedMessage={errors["evidence.reference"]}
        nativeInputProps={{ value: reference, onChange: (event) => setReference(event.target.value), name: "evidence-reference" }}
      />
      <Input
        textArea
        label="Note (facultative)"
        state={errors["evidence.note"] === undefined ? "default" : "error"}
        stateRelatedMessage={errors["evidence.note"]}
        nativeTextAreaProps={{ value: note, onChange: (event) => setNote(event.target.value), name: "evidence-note" }}
      />
      <Button type="submit">Enregistrer l'étape</Button>
    </form>
  );
};
