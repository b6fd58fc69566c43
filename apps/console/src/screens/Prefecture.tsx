/**
 * The prefecture operator's screens: the communes of its département with where each stands
 * (searched by name, paged by the platform's cursor; the platform narrows the listing to the
 * prefecture's own département whatever is asked), and per commune the work on its first two
 * cards — registering the responsable carte and the délégué face to face, ordering their cards,
 * receiving them, the approval that is the prefecture's, the hand-over at its desk through the card
 * agent. That work is the part-1 screens (`Agents`, `Cards`, `CardAtDesk`) given the chosen
 * commune, not copies of them. And the hand-over appointments of the département, by date.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Onboarding as Graph } from "@comedec/commune";
import { Contract } from "@comedec/http-contract";
import { useCallback, useEffect, useRef, useState } from "react";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { useCall, useSignedIn } from "../Session.js";
import { frenchDate, today } from "../Validation.js";
import { Agents, type ChosenCommune } from "./Agents.js";
import { Cards } from "./Cards.js";

type CommuneSummary = (typeof Contract.Communes.CommunePage)["Type"]["items"][number];
type Appointment = (typeof Contract.Planning.RecordedAppointment)["Type"];

const pageSize = 10;

/** The département of the signed-in prefecture. */
const useDepartement = (): string => {
  const session = useSignedIn();
  return session.actor.site._tag === "prefecture" ? session.actor.site.departement : "";
};

/** The last milestone reached, in the graph's order, and the next ones open to the commune. */
export const stageOf = (reached: ReadonlyArray<string>): { readonly last: string; readonly next: ReadonlyArray<string> } => {
  const done = new Set(reached);
  const steps = Graph.machine.milestones;
  const last = [...steps].reverse().find((step) => done.has(step.milestone));
  const next = steps.filter((step) => !done.has(step.milestone) && step.requires.every((required) => done.has(required)) && step.milestone !== "census");
  return { last: last?.title ?? "aucune étape franchie", next: next.map((step) => step.title) };
};

/** Where a commune's first two cards stand, from its milestones. */
const firstCardsText = (reached: ReadonlyArray<string>): string =>
  reached.includes("autonomy")
    ? "remises toutes les deux"
    : reached.includes("firstCards")
      ? "carte du responsable carte remise"
      : reached.includes("connectionTriggered")
        ? "à remettre"
        : "raccordement non déclenché";

/** The communes of the département, and the first cards' work of the one chosen. */
export const PrefectureCommunes = () => {
  const call = useCall();
  const departement = useDepartement();
  const [name, setName] = useState("");
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined]);
  const [page, setPage] = useState<{ readonly items: ReadonlyArray<CommuneSummary>; readonly next: string | null } | undefined>(undefined);
  const [chosen, setChosen] = useState<CommuneSummary | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const load = useCallback(
    async (cursor: string | undefined) => {
      const outcome = await call(Contract.Communes.list, {
        query: {
          departement: departement as never,
          limit: pageSize,
          ...(name.trim() === "" ? {} : { name: name.trim() }),
          ...(cursor === undefined ? {} : { cursor: cursor as never }),
        },
      });
      if (!outcome.ok) return setFeedback(outcome);
      setPage({ items: outcome.value.items, next: outcome.value.nextCursor });
    },
    [call, departement, name],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page is loaded once; a search reloads it on submit
  useEffect(() => {
    void load(undefined);
  }, []);

  const backToList = () => {
    setChosen(undefined);
    void load(cursors[cursors.length - 1]);
  };
  const back = useRef(backToList);
  back.current = backToList;
  // The menu's link to this screen, followed from a commune's page, brings the list back: the fragment does not change, so nothing else would.
  useEffect(() => {
    const followed = (event: MouseEvent) => {
      if (event.target instanceof Element && event.target.closest('a[href="#communes"]') !== null) back.current();
    };
    document.addEventListener("click", followed);
    return () => document.removeEventListener("click", followed);
  }, []);

  if (chosen !== undefined) return <CommuneWork summary={chosen} onBack={backToList} />;

  return (
    <section aria-labelledby="communes-title">
      <h1 id="communes-title">Communes du département {departement}</h1>
      <p>Les deux premières cartes de chaque commune sont commandées, reçues et remises par la préfecture ; les suivantes, par la commune.</p>
      <FeedbackAlert feedback={feedback} />
      <search>
        <form
          className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom"
          onSubmit={(event) => {
            event.preventDefault();
            setCursors([undefined]);
            void load(undefined);
          }}
        >
          <div className="fr-col-12 fr-col-md-6">
            <Input label="Nom de la commune" nativeInputProps={{ value: name, onChange: (event) => setName(event.target.value), name: "commune-name" }} />
          </div>
          <div className="fr-col-12 fr-col-md-6 fr-mb-3w">
            <Button type="submit" iconId="fr-icon-search-line">
              Rechercher
            </Button>
          </div>
        </form>
      </search>
      {page === undefined ? (
        <p>Chargement…</p>
      ) : page.items.length === 0 ? (
        <p className="fr-callout" data-testid="no-communes">
          Aucune commune du département ne correspond à cette recherche.
        </p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table data-testid="communes">
            <caption>Communes du département</caption>
            <thead>
              <tr>
                <th scope="col">Commune</th>
                <th scope="col">Étape atteinte</th>
                <th scope="col">Premières cartes</th>
                <th scope="col">Échéance</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((commune) => (
                <tr key={commune.code}>
                  <td>
                    {commune.name} ({commune.code})
                  </td>
                  <td>{stageOf(commune.reached).last}</td>
                  <td>{firstCardsText(commune.reached)}</td>
                  <td>{commune.late ? "en retard" : commune.underObligation ? "soumise à l'obligation, dans les délais" : "sans obligation"}</td>
                  <td>
                    <Button size="small" priority="tertiary" onClick={() => setChosen(commune)} title={`Ouvrir les premières cartes de ${commune.name}`}>
                      Ouvrir
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="fr-pagination" aria-label="Pagination des communes">
        <ul className="fr-pagination__list">
          <li>
            <button
              type="button"
              className="fr-pagination__link fr-pagination__link--prev fr-pagination__link--lg-label"
              disabled={cursors.length <= 1}
              onClick={() => {
                const previous = cursors.slice(0, -1);
                setCursors(previous);
                void load(previous[previous.length - 1]);
              }}
            >
              Page précédente
            </button>
          </li>
          <li>
            <span className="fr-pagination__link" aria-current="page">
              Page {cursors.length}
            </span>
          </li>
          <li>
            <button
              type="button"
              className="fr-pagination__link fr-pagination__link--next fr-pagination__link--lg-label"
              disabled={page?.next === null || page?.next === undefined}
              onClick={() => {
                const next = page?.next ?? undefined;
                setCursors([...cursors, next]);
                void load(next);
              }}
            >
              Page suivante
            </button>
          </li>
        </ul>
      </nav>
    </section>
  );
};

/** One commune: where it stands, its appointment, and the work on its first two cards (its holders, then their cards). */
const CommuneWork = ({ summary, onBack }: { readonly summary: CommuneSummary; readonly onBack: () => void }) => {
  const call = useCall();
  const departement = useDepartement();
  const [part, setPart] = useState<"agents" | "cartes">("agents");
  const [appointment, setAppointment] = useState<Appointment | null | undefined>(undefined);
  const commune: ChosenCommune = { code: summary.code, name: summary.name };
  const stage = stageOf(summary.reached);

  useEffect(() => {
    void (async () => {
      const listed = await call(Contract.Planning.appointments, { query: { departement: departement as never } });
      setAppointment(listed.ok ? (listed.value.items.find((item) => item.commune === summary.code) ?? null) : null);
    })();
  }, [call, departement, summary.code]);

  return (
    <section aria-labelledby="commune-title">
      <Button priority="tertiary" iconId="fr-icon-arrow-left-line" onClick={onBack}>
        Retour aux communes du département
      </Button>
      <h1 id="commune-title" className="fr-mt-2w">
        {summary.name} ({summary.code}) : premières cartes
      </h1>
      <ul className="fr-mb-3w" data-testid="commune-stage">
        <li>Étape atteinte : {stage.last}.</li>
        <li>Prochaine étape : {stage.next.length === 0 ? "aucune" : stage.next.join(" ; ")}.</li>
        <li>
          Rendez-vous de remise :{" "}
          {appointment === undefined
            ? "chargement…"
            : appointment === null
              ? "aucun enregistré"
              : `le ${frenchDate(appointment.appointmentOn)}, ${appointment.venue}${appointment.handedOver ? " (cartes remises)" : ""}`}
          .
        </li>
      </ul>
      <div className="fr-btns-group fr-btns-group--inline-md fr-mb-3w">
        <Button
          priority={part === "agents" ? "primary" : "secondary"}
          nativeButtonProps={{ "aria-pressed": part === "agents" }}
          onClick={() => setPart("agents")}
        >
          Titulaires : responsable carte et délégué
        </Button>
        <Button
          priority={part === "cartes" ? "primary" : "secondary"}
          nativeButtonProps={{ "aria-pressed": part === "cartes" }}
          onClick={() => setPart("cartes")}
        >
          Les deux premières cartes
        </Button>
      </div>
      {/* Each part is mounted afresh when chosen: the cards' part lists the holders registered meanwhile. */}
      {part === "agents" ? <Agents key={`agents-${summary.code}`} commune={commune} /> : <Cards key={`cards-${summary.code}`} commune={commune} />}
    </section>
  );
};

/** The hand-over appointments of the département, by date: to come, then those that took place. */
export const PrefectureAppointments = () => {
  const call = useCall();
  const departement = useDepartement();
  const [items, setItems] = useState<ReadonlyArray<Appointment> | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  useEffect(() => {
    void (async () => {
      const listed = await call(Contract.Planning.appointments, { query: { departement: departement as never } });
      if (!listed.ok) return setFeedback(listed);
      setItems(listed.value.items);
    })();
  }, [call, departement]);

  const on = today();
  return (
    <section aria-labelledby="appointments-title">
      <h1 id="appointments-title">Rendez-vous de remise du département {departement}</h1>
      <p>Les rendez-vous confirmés avec les responsables carte : ils viennent avec leur pièce d'identité et le code d'activation de leur carte.</p>
      <FeedbackAlert feedback={feedback} />
      {items === undefined ? (
        <p>Chargement…</p>
      ) : items.length === 0 ? (
        <p className="fr-callout" data-testid="no-appointments">
          Aucun rendez-vous de remise n'est enregistré dans le département.
        </p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table data-testid="appointments">
            <caption>Rendez-vous de remise</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Commune</th>
                <th scope="col">Lieu</th>
                <th scope="col">Référence</th>
                <th scope="col">État</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.commune}>
                  <td>{frenchDate(item.appointmentOn)}</td>
                  <td>
                    {item.name} ({item.commune})
                  </td>
                  <td>{item.venue}</td>
                  <td>{item.reference}</td>
                  <td>{item.handedOver ? "cartes remises" : item.appointmentOn < on ? "date passée, cartes non remises" : "à venir"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
};
