/**
 * The hand-over planning (DOMAIN.md §3, step 5), for ANTS and the prefectures: choose a
 * département, the venue where the prefecture sits, a capacity and a start date; the platform
 * proposes the sessions that gather its mairies waiting for their first cards with the least
 * travel. The screen draws them on the map (each mairie joined to its venue), gives the total
 * distance, the table of sessions and the plan as CSV; confirming a session records its mairies'
 * appointments, and the platform then sends their invitations.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Contract } from "@comedec/http-contract";
import { useMemo, useState } from "react";
import { count } from "../Charts.js";
import * as Deployment from "../Deployment.js";
import { FeedbackAlert, type Feedback } from "../Feedback.js";
import { FranceMap, type MapPoint, type MapSession } from "../FranceMap.js";
import { useCall, useSignedIn } from "../Session.js";
import { frenchDate, today } from "../Validation.js";

type Plan = (typeof Contract.Planning.HandOverPlan)["Type"];
type Session = Plan["sessions"][number];

const sessionClasses = ["comedec-session-0", "comedec-session-1", "comedec-session-2", "comedec-session-3", "comedec-session-4", "comedec-session-5"];
const sessionClass = (index: number): string => sessionClasses[index % sessionClasses.length] as string;
const kilometres = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

/** The planning screen. */
export const Planning = () => {
  const session = useSignedIn();
  const call = useCall();
  const site = session.actor.site;
  const own = site._tag === "prefecture" ? site.departement : undefined;
  const [departement, setDepartement] = useState<string>(own ?? "13");
  const [venue, setVenue] = useState<string>(Deployment.seatOf(own ?? "13") ?? "");
  const [capacity, setCapacity] = useState("8");
  const [startOn, setStartOn] = useState(today());
  const [reference, setReference] = useState(`plan ${own ?? "13"} du ${today()}`);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [plan, setPlan] = useState<{ readonly departement: string; readonly value: Plan } | undefined>(undefined);
  const [confirmed, setConfirmed] = useState<ReadonlySet<number>>(new Set());
  const [busy, setBusy] = useState(false);
  // The département's communes, drawn faintly around the sessions so that the map reads as a place
  // (read with the first plan, not on opening: the screen may be opened for something else).
  const [communes, setCommunes] = useState<Deployment.DeploymentMap | undefined>(undefined);

  const choose = (code: string) => {
    setDepartement(code);
    setVenue(Deployment.seatOf(code) ?? "");
    setReference(`plan ${code} du ${today()}`);
  };

  const propose = async () => {
    setBusy(true);
    const [planned, around] = await Promise.all([
      call(Contract.Planning.plan, {
        body: { departement: departement as never, prefectureCommune: venue as never, capacity: Number(capacity), startOn: startOn as never },
      }),
      communes === undefined ? call(Contract.Communes.dashboardMap, {}) : undefined,
    ]);
    setBusy(false);
    if (around?.ok === true) setCommunes(Contract.Communes.unpackMap(around.value));
    if (!planned.ok) return setFeedback(planned);
    setPlan({ departement, value: planned.value });
    setConfirmed(new Set());
    setFeedback({
      ok: true,
      message:
        planned.value.sessions.length === 0
          ? "Aucune mairie du département n'attend sa remise de cartes."
          : `${planned.value.sessions.length} sessions proposées pour ${count(planned.value.sessions.reduce((sum, entry) => sum + entry.mairies.length, 0))} mairies : ${kilometres.format(planned.value.totalKm)} km de trajets au total.`,
    });
  };

  const confirm = async (index: number, entry: Session) => {
    if (plan === undefined) return;
    setBusy(true);
    const done = await call(Contract.Planning.confirm, {
      body: {
        departement: plan.departement as never,
        reference,
        sessions: [{ date: entry.date as never, venue: entry.venue.name, mairies: entry.mairies.map((mairie) => mairie.code as never) }],
      },
    });
    setBusy(false);
    if (!done.ok) return setFeedback(done);
    setConfirmed(new Set([...confirmed, index]));
    setFeedback({
      ok: true,
      message:
        `Session du ${frenchDate(entry.date)} à ${entry.venue.name} confirmée : ${done.value.recorded.length} rendez-vous enregistrés, ` +
        `les invitations sont envoyées aux mairies.${done.value.refused.length === 0 ? "" : ` ${done.value.refused.length} refusés : ${done.value.refused.map((refusal) => `${refusal.commune} (${refusal.reason})`).join(", ")}.`}`,
    });
  };

  const drawn = useMemo(() => {
    if (plan === undefined) return undefined;
    const sessions: Array<MapSession> = [];
    const focus: Array<readonly [number, number]> = [];
    const around: Array<MapPoint> = [];
    if (communes !== undefined)
      for (let i = 0; i < communes.codes.length; i++) {
        const latitude = communes.latitudes[i];
        const longitude = communes.longitudes[i];
        if (communes.departements[i] !== plan.departement || latitude === null || latitude === undefined || longitude === null || longitude === undefined)
          continue;
        around.push({ latitude, longitude, className: "comedec-map-context" });
        focus.push([longitude, latitude]);
      }
    plan.value.sessions.forEach((entry, index) => {
      if (entry.venue.latitude === undefined || entry.venue.longitude === undefined) return;
      const mairies = entry.mairies.flatMap((mairie) =>
        mairie.latitude === undefined || mairie.longitude === undefined ? [] : [[mairie.longitude, mairie.latitude] as const],
      );
      sessions.push({
        venue: [entry.venue.longitude, entry.venue.latitude],
        mairies,
        className: sessionClass(index),
        label: `Session ${index + 1} du ${frenchDate(entry.date)} à ${entry.venue.name} : ${entry.mairies.length} mairies`,
        short: `${index + 1}. ${entry.venue.name}`,
      });
      focus.push([entry.venue.longitude, entry.venue.latitude], ...mairies);
    });
    return { sessions, focus, around, csv: URL.createObjectURL(new Blob([plan.value.csv], { type: "text/csv;charset=utf-8" })) };
  }, [plan, communes]);

  return (
    <section aria-labelledby="planning-title">
      <h1 id="planning-title">Planification des remises de cartes</h1>
      <p>
        Les mairies dont le raccordement est déclenché et qui n'ont pas encore de rendez-vous sont regroupées en sessions par proximité, au plus la capacité
        choisie par session, avec le moins de trajets possible.
      </p>
      <form
        className="fr-mb-3w"
        onSubmit={(event) => {
          event.preventDefault();
          void propose();
        }}
      >
        <div className="fr-grid-row fr-grid-row--gutters">
          <div className="fr-col-12 fr-col-md-3">
            {own === undefined ? (
              <div className="fr-select-group">
                <label className="fr-label" htmlFor="planning-departement">
                  Département
                </label>
                <select id="planning-departement" className="fr-select" value={departement} onChange={(event) => choose(event.target.value)}>
                  {Deployment.departements.map((entry) => (
                    <option key={entry.code} value={entry.code}>
                      {entry.code} — {entry.name}
                    </option>
                  ))}
                </select>
              </div>
            ) : (
              <p className="fr-mt-4w">
                Département : <strong>{Deployment.departementName(own)}</strong> ({own})
              </p>
            )}
          </div>
          <div className="fr-col-12 fr-col-md-3">
            <Input
              label="Lieu de la préfecture (code INSEE)"
              hintText="Commune où siège la préfecture"
              nativeInputProps={{ value: venue, onChange: (event) => setVenue(event.target.value), inputMode: "text", pattern: "[0-9AB]{5}" }}
            />
          </div>
          <div className="fr-col-12 fr-col-md-2">
            <Input
              label="Capacité par session"
              hintText="Mairies au plus"
              nativeInputProps={{ type: "number", min: 1, max: 200, value: capacity, onChange: (event) => setCapacity(event.target.value) }}
            />
          </div>
          <div className="fr-col-12 fr-col-md-2">
            <Input
              label="Première date"
              hintText="Jours ouvrés à partir de"
              nativeInputProps={{ type: "date", value: startOn, onChange: (event) => setStartOn(event.target.value) }}
            />
          </div>
          <div className="fr-col-12 fr-col-md-2">
            <Button type="submit" className="fr-mt-md-6w" disabled={busy}>
              Proposer les sessions
            </Button>
          </div>
        </div>
      </form>
      <FeedbackAlert feedback={feedback} />
      {plan === undefined || drawn === undefined ? null : (
        <>
          <h2 data-testid="planning-summary">
            {Deployment.departementName(plan.departement)} : {plan.value.sessions.length} sessions, {kilometres.format(plan.value.totalKm)} km au total
          </h2>
          <div className="fr-grid-row fr-grid-row--gutters">
            <div className="fr-col-12 fr-col-lg-7">
              <FranceMap
                testId="planning-map"
                title={`Sessions de remise proposées : ${Deployment.departementName(plan.departement)}`}
                description={`${plan.value.sessions.length} sessions ; chaque mairie est reliée au lieu de sa session (carré numéroté), les autres communes du département en gris clair. Le détail est dans le tableau des sessions.`}
                points={drawn.around}
                sessions={drawn.sessions}
                focus={drawn.focus}
                radius={3}
              />
            </div>
            <div className="fr-col-12 fr-col-lg-5">
              <h3 className="fr-h6">Légende</h3>
              <ul className="comedec-legend comedec-legend--column">
                <li>
                  <svg className="comedec-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
                    <circle className="comedec-map-context" cx="5" cy="5" r="4" />
                  </svg>
                  Autres communes placées du département
                </li>
                {plan.value.sessions.map((entry, index) => (
                  <li key={`${entry.date}-${entry.venue.code}`}>
                    <svg className="comedec-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
                      <rect className={`comedec-map-venue ${sessionClass(index)}`} x="1" y="1" width="8" height="8" />
                    </svg>
                    Session {index + 1} : {entry.venue.name}, {entry.mairies.length} mairies, {kilometres.format(entry.distanceKm)} km
                  </li>
                ))}
              </ul>
              <p className="fr-text--sm" data-testid="planning-unplaced">
                {plan.value.withoutCoordinates.length === 0
                  ? "Toutes les mairies en attente sont placées."
                  : `${count(plan.value.withoutCoordinates.length)} mairies en attente sans coordonnées connues ne sont pas planifiées : ${plan.value.withoutCoordinates.slice(0, 20).join(", ")}${plan.value.withoutCoordinates.length > 20 ? "…" : ""}.`}
              </p>
              <a className="fr-link fr-icon-download-line fr-link--icon-left" href={drawn.csv} download={`planification-${plan.departement}.csv`}>
                Télécharger le plan (CSV)
              </a>
              <Input
                className="fr-mt-2w"
                label="Référence citée par les invitations"
                nativeInputProps={{ value: reference, onChange: (event) => setReference(event.target.value) }}
              />
            </div>
          </div>
          <div className="fr-table fr-table--sm fr-mt-2w">
            <table data-testid="planning-sessions">
              <caption>Sessions proposées</caption>
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Date</th>
                  <th scope="col">Lieu</th>
                  <th scope="col">Mairies</th>
                  <th scope="col">Trajets</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {plan.value.sessions.map((entry, index) => (
                  <tr key={`${entry.date}-${entry.venue.code}`} data-testid={`session-${index + 1}`}>
                    <th scope="row">{index + 1}</th>
                    <td>{frenchDate(entry.date)}</td>
                    <td>{entry.venue.name}</td>
                    <td>{entry.mairies.map((mairie) => mairie.name).join(", ")}</td>
                    <td>{kilometres.format(entry.distanceKm)} km</td>
                    <td>
                      {confirmed.has(index) ? (
                        <span className="fr-badge fr-badge--success fr-badge--sm">Confirmée</span>
                      ) : (
                        <Button size="small" priority="secondary" disabled={busy} onClick={() => void confirm(index, entry)}>
                          {`Confirmer la session ${index + 1}`}
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
};
