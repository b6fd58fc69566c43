/**
 * The deployment dashboard: nation → region → département → commune. One reading of the
 * platform (the map's compact arrays, the counts and the forecast, the trend) and every level is
 * computed in the page, so going down asks nothing more. Each level shows its key figures, the
 * map of its communes coloured by stage (with a legend, and a text summary in the tables), the
 * communes that reached each milestone, its sub-areas to open, the communes under the obligation
 * late or at risk, and the milestones reached month by month. A prefecture's operator reads its
 * département only: the platform sends nothing else, and the screen opens on it.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Contract } from "@comedec/http-contract";
import { useEffect, useMemo, useState } from "react";
import { count, MilestoneBars, TrendChart } from "../Charts.js";
import * as Deployment from "../Deployment.js";
import { FeedbackAlert, type Feedback } from "../Feedback.js";
import { FranceMap, type MapPoint, preloadAtlas } from "../FranceMap.js";
import { useCall, useSignedIn } from "../Session.js";
import { frenchDate } from "../Validation.js";

type Summary = (typeof Contract.Communes.dashboard.success)["Type"];
type Trend = (typeof Contract.Communes.DeploymentTrend)["Type"];

const verdicts: Readonly<Record<string, string>> = {
  "deadline-passed": "échéance dépassée",
  "no-progress-in-departement": "aucun progrès dans le département",
  "too-slow": "rythme trop lent pour l'échéance",
};

/** The series of the trend: the three milestones of the card track that decide when a commune works. */
const trendSeries = [
  { milestone: "connectionTriggered", label: "Raccordements déclenchés", className: "comedec-stage-2" },
  { milestone: "firstCards", label: "Premières cartes remises", className: "comedec-stage-3" },
  { milestone: "connected", label: "Communes raccordées", className: "comedec-stage-4" },
] as const;

/** The twelve months up to today's, or from the first month a milestone was reached if later. */
const monthsOf = (trend: Trend, today: string, level: Deployment.Level, regionOf: ReadonlyMap<string, string>) => {
  const rows = trend.months.filter(
    (row) => level._tag === "nation" || (level._tag === "region" ? regionOf.get(row.departement) === level.region : row.departement === level.departement),
  );
  const last = today.slice(0, 7);
  const months: Array<string> = [];
  const cursor = new Date(`${last}-15T12:00:00Z`);
  for (let i = 0; i < 12; i++) {
    months.unshift(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() - 1);
  }
  return months.map((month) => ({
    month,
    values: trendSeries.map((series) =>
      rows.filter((row) => row.month === month && row.milestone === series.milestone).reduce((sum, row) => sum + row.count, 0),
    ),
  }));
};

/** The dashboard screen. */
export const Dashboard = () => {
  const session = useSignedIn();
  const call = useCall();
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [map, setMap] = useState<Deployment.DeploymentMap | undefined>(undefined);
  const [details, setDetails] = useState<{ summary: Summary; trend: Trend } | undefined>(undefined);
  const site = session.actor.site;
  const [level, setLevel] = useState<Deployment.Level>({ _tag: "nation" });

  // The map's communes first, which every figure and the map are computed from; the forecast and
  // the trend, which only fill their own panels, once they are shown (the embedded platform's one
  // database session would otherwise share its time between the three).
  useEffect(() => {
    preloadAtlas();
    void (async () => {
      const answer = await call(Contract.Communes.dashboardMap, {});
      if (!answer.ok) return setFeedback(answer);
      const columns = Contract.Communes.unpackMap(answer.value);
      setMap(columns);
      // A prefecture reads its département only: the screen opens on it.
      if (site._tag === "prefecture") {
        const index = columns.departements.indexOf(site.departement);
        setLevel({ _tag: "departement", departement: site.departement, region: index < 0 ? "" : (columns.regions[index] as string) });
      }
      const [summary, trend] = await Promise.all([
        call(Contract.Communes.dashboard, { query: { by: "departement" } }),
        call(Contract.Communes.dashboardTrend, {}),
      ]);
      if (!summary.ok) return setFeedback(summary);
      if (!trend.ok) return setFeedback(trend);
      setDetails({ summary: summary.value, trend: trend.value });
    })();
  }, [call, site]);

  const view = useMemo(() => {
    if (map === undefined) return undefined;
    const indexes = Deployment.indexesIn(map, level);
    const points: Array<MapPoint> = [];
    const focus: Array<readonly [number, number]> = [];
    for (const i of indexes) {
      const latitude = map.latitudes[i];
      const longitude = map.longitudes[i];
      if (latitude === null || latitude === undefined || longitude === null || longitude === undefined) continue;
      const flags = map.flags[i] as number;
      const stage = Deployment.stages[Deployment.stageOf(flags)] ?? Deployment.stages[0];
      points.push({ latitude, longitude, className: stage.className, late: Deployment.isLate(flags) });
      if (level._tag !== "nation") focus.push([longitude, latitude]);
    }
    return { tally: Deployment.tally(map, indexes), points, focus, rows: Deployment.rowsOf(map, level) };
  }, [map, level]);

  // The panels of the forecast and the trend, apart: their arrival redraws no point of the map.
  const panels = useMemo(() => {
    if (map === undefined || details === undefined) return { late: undefined, atRisk: undefined, months: undefined };
    const regionOf = new Map<string, string>();
    for (let i = 0; i < map.departements.length; i++) regionOf.set(map.departements[i] as string, map.regions[i] as string);
    const inLevel = (departement: string) =>
      level._tag === "nation" || (level._tag === "region" ? regionOf.get(departement) === level.region : departement === level.departement);
    return {
      late: details.summary.atRisk.filter((commune) => inLevel(commune.departement)),
      atRisk: details.summary.forecast.atRisk.filter((commune) => inLevel(commune.departement)),
      months: monthsOf(details.trend, map.today, level, regionOf),
    };
  }, [map, details, level]);

  const name = Deployment.levelName(level);
  const trail: ReadonlyArray<Deployment.Level> =
    level._tag === "nation"
      ? [level]
      : level._tag === "region"
        ? [{ _tag: "nation" }, level]
        : [{ _tag: "nation" }, { _tag: "region", region: level.region }, level];
  // A prefecture's operator has no level above its département to open.
  const reachable = trail.filter((entry) => site._tag !== "prefecture" || entry._tag === "departement");

  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">Tableau de bord du déploiement</h1>
      <FeedbackAlert feedback={feedback} />
      {view === undefined ? (
        <p>Chargement…</p>
      ) : (
        <>
          <nav className="fr-breadcrumb fr-mt-0 fr-mb-2w" aria-label="Niveau du tableau de bord">
            <ol className="fr-breadcrumb__list">
              {reachable.map((entry, index) => (
                <li key={entry._tag}>
                  {index === reachable.length - 1 ? (
                    <span className="fr-breadcrumb__link" aria-current="page">
                      {Deployment.levelName(entry)}
                    </span>
                  ) : (
                    <button type="button" className="fr-breadcrumb__link comedec-link-button" onClick={() => setLevel(entry)}>
                      {Deployment.levelName(entry)}
                    </button>
                  )}
                </li>
              ))}
            </ol>
          </nav>
          <h2 data-testid="dashboard-level">{name}</h2>
          <ul className="comedec-figures fr-mb-3w" data-testid="dashboard-figures">
            <li>
              <strong>{count(view.tally.communes)}</strong> communes
            </li>
            <li>
              <strong>{count(view.tally.underObligation)}</strong> sous obligation de raccordement
            </li>
            <li>
              <strong>{count(view.tally.stages[2] ?? 0)}</strong> raccordements déclenchés, en attente des cartes
            </li>
            <li>
              <strong>{count(view.tally.stages[4] ?? 0)}</strong> raccordées
            </li>
            <li>
              <strong>{count(view.tally.late)}</strong> en retard
            </li>
            <li>
              <strong>{panels.atRisk === undefined ? "…" : count(panels.atRisk.length)}</strong> à risque pour l'échéance
            </li>
          </ul>
          <div className="fr-grid-row fr-grid-row--gutters">
            <div className="fr-col-12 fr-col-lg-7">
              <FranceMap
                testId="dashboard-map"
                title={`Carte des communes : ${name}`}
                description={`${count(view.points.length)} communes placées, colorées par étape ; les effectifs par étape sont dans la légende.`}
                points={view.points}
                focus={view.focus}
                radius={level._tag === "nation" ? 1.6 : level._tag === "region" ? 2.5 : 4}
              />
            </div>
            <div className="fr-col-12 fr-col-lg-5">
              <h3 className="fr-h6">Légende</h3>
              <ul className="comedec-legend comedec-legend--column" data-testid="map-legend">
                {Deployment.stages.map((stage) => (
                  <li key={stage.id}>
                    <svg className="comedec-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
                      <circle className={stage.className} cx="5" cy="5" r="5" />
                    </svg>
                    {stage.label} : {count(view.tally.stages[stage.id] ?? 0)}
                  </li>
                ))}
                <li>
                  <svg className="comedec-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
                    <circle className="comedec-map-late" cx="5" cy="5" r="4" />
                  </svg>
                  Cerclée de rouge : en retard ({count(view.tally.late)})
                </li>
              </ul>
              <p className="fr-text--sm" data-testid="without-coordinates">
                {count(view.tally.communes - view.tally.located)} communes sans coordonnées connues (le référentiel géographique n'en place qu'une partie) ne
                figurent pas sur la carte ; elles sont comptées dans les tableaux. Fond de carte : Natural Earth ; pas de contours de départements.
              </p>
              <MilestoneBars caption={`Communes ayant franchi chaque étape : ${name}`} reached={view.tally.reached} total={view.tally.communes} />
            </div>
          </div>

          <h2 className="fr-mt-4w">{level._tag === "departement" ? "Communes du département" : level._tag === "region" ? "Départements" : "Régions"}</h2>
          <div className="fr-table fr-table--sm">
            {level._tag === "departement" ? (
              <table data-testid="dashboard-areas">
                <caption>Communes : {name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Commune</th>
                    <th scope="col">Étape atteinte</th>
                    <th scope="col">Étapes franchies</th>
                    <th scope="col">Sous obligation</th>
                    <th scope="col">En retard</th>
                    <th scope="col">Sur la carte</th>
                  </tr>
                </thead>
                <tbody>
                  {view.rows.map((row) => (
                    <tr key={row.key}>
                      <th scope="row">{row.label}</th>
                      <td>{Deployment.stages[row.tally.stages.findIndex((members) => members > 0)]?.label}</td>
                      <td>{row.tally.reached.filter((members) => members > 0).length}</td>
                      <td>{row.tally.underObligation > 0 ? "oui" : "non"}</td>
                      <td>{row.tally.late > 0 ? "oui" : "non"}</td>
                      <td>{row.tally.located > 0 ? "oui" : "non (sans coordonnées)"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <table data-testid="dashboard-areas">
                <caption>
                  Avancement par {level._tag === "region" ? "département" : "région"} : {name}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{level._tag === "region" ? "Département" : "Région"}</th>
                    <th scope="col">Communes</th>
                    <th scope="col">Sous obligation</th>
                    <th scope="col">Engagées</th>
                    <th scope="col">Déclenchées</th>
                    <th scope="col">Cartes remises</th>
                    <th scope="col">Raccordées</th>
                    <th scope="col">En retard</th>
                  </tr>
                </thead>
                <tbody>
                  {view.rows.map((row) => (
                    <tr key={row.key}>
                      <th scope="row">
                        <button type="button" className="comedec-link-button" onClick={() => row.level !== undefined && setLevel(row.level)}>
                          {row.label}
                        </button>
                      </th>
                      <td>{count(row.tally.communes)}</td>
                      <td>{count(row.tally.underObligation)}</td>
                      <td>{count(row.tally.stages[1] ?? 0)}</td>
                      <td>{count(row.tally.stages[2] ?? 0)}</td>
                      <td>{count(row.tally.stages[3] ?? 0)}</td>
                      <td>{count(row.tally.stages[4] ?? 0)}</td>
                      <td>{count(row.tally.late)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>

          <div className="fr-grid-row fr-grid-row--gutters fr-mt-2w">
            <div className="fr-col-12 fr-col-lg-6">
              <h2>Communes sous obligation en retard</h2>
              {panels.late === undefined ? (
                <p>Chargement…</p>
              ) : panels.late.length === 0 ? (
                <p data-testid="late-list">Aucune commune sous obligation n'est en retard.</p>
              ) : (
                <ul data-testid="late-list">
                  {panels.late.slice(0, 50).map((commune) => (
                    <li key={commune.code}>
                      {commune.name} ({commune.code}) — en retard depuis le {commune.lateFrom === null ? "?" : frenchDate(commune.lateFrom)}
                    </li>
                  ))}
                  {panels.late.length > 50 ? <li>… et {count(panels.late.length - 50)} autres</li> : null}
                </ul>
              )}
            </div>
            <div className="fr-col-12 fr-col-lg-6">
              <h2>Communes à risque pour l'échéance</h2>
              {panels.atRisk === undefined ? (
                <p>Chargement…</p>
              ) : panels.atRisk.length === 0 ? (
                <p data-testid="at-risk-list">Aucune commune sous obligation n'est à risque.</p>
              ) : (
                <ul data-testid="at-risk-list">
                  {panels.atRisk.slice(0, 50).map((commune) => (
                    <li key={commune.code}>
                      {commune.name} ({commune.code}) — {commune.remaining} étapes restantes, {verdicts[commune.verdict] ?? commune.verdict}
                      {commune.projectedOn === null ? "" : `, raccordement estimé le ${frenchDate(commune.projectedOn)}`}
                    </li>
                  ))}
                  {panels.atRisk.length > 50 ? <li>… et {count(panels.atRisk.length - 50)} autres</li> : null}
                </ul>
              )}
            </div>
          </div>

          <h2 className="fr-mt-2w">Évolution sur douze mois</h2>
          {panels.months === undefined ? (
            <p>Chargement…</p>
          ) : (
            <TrendChart title={`Étapes franchies par mois : ${name}`} series={trendSeries} months={panels.months} />
          )}
          {level._tag === "nation" || site._tag === "prefecture" ? null : (
            <Button className="fr-mt-2w" priority="tertiary" onClick={() => setLevel({ _tag: "nation" })}>
              Revenir à la France entière
            </Button>
          )}
        </>
      )}
    </section>
  );
};
