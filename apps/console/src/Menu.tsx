/**
 * The console's menu, built from the actor's grants as the contract declares them: each screen
 * names the endpoints it needs to open, and it is offered only when the actor's role holds the
 * permission of every one of them in the policy's matrix (`Access.matrix`, the very table the API
 * enforces). So the console never offers an action the policy would refuse, and a new role or a
 * changed grant changes the menu with no edit here. Screens are chosen by the URL's fragment.
 */
import type { Actor } from "@comedec/actor";
import { Contract, type Endpoint } from "@comedec/http-contract";
import { Access } from "@comedec/rgs";
import type { ReactNode } from "react";
import { Agents } from "./screens/Agents.js";
import { AuditExport, AuditVerification, Deadlines } from "./screens/Audit.js";
import { Cards } from "./screens/Cards.js";
import { CommuneFile } from "./screens/CommuneFile.js";
import { ConventionsQueue } from "./screens/Conventions.js";
import { Dashboard } from "./screens/Dashboard.js";
import { Editors } from "./screens/Editors.js";
import { Holder } from "./screens/Holder.js";
import { OnboardingFile } from "./screens/Onboarding.js";
import { Planning } from "./screens/Planning.js";
import { PrefectureAppointments, PrefectureCommunes } from "./screens/Prefecture.js";

/** One screen of the menu. */
export interface ScreenEntry {
  /** Its fragment (`#agents`), in French as the URL is read by people. */
  readonly id: string;
  readonly label: string;
  /** The endpoints it cannot open without: the actor must hold each one's permission. */
  readonly needs: ReadonlyArray<Endpoint.Any>;
  /** A narrower condition than the grants, where the screen is about one kind of site. */
  readonly when?: (actor: Actor.Actor) => boolean;
  readonly render: () => ReactNode;
}

/** Whether the policy lets the actor's role call the endpoint at all (the site is checked by the API). */
export const mayCall = (actor: Actor.Actor, endpoint: Endpoint.Any): boolean => {
  const authorization = endpoint.authorization;
  if (authorization._tag !== "permission") return true;
  return Access.matrix[authorization.permission][actor.role] !== undefined;
};

const isOperator = (actor: Actor.Actor) => actor.role !== "agent";

const atPrefecture = (actor: Actor.Actor) => actor.site._tag === "prefecture";

/** Whether the actor's grant of the permission reaches every site (the auditor's export, not a site's own). */
const reachesEverywhere = (actor: Actor.Actor, permission: Access.Permission) => Access.matrix[permission][actor.role] === "everywhere";

/**
 * Every screen, in the menu's order. A screen of an operator's site (agents, cards) is not shown to
 * a holder, whose `card.read` reaches their own cards only: they have `Mes cartes`.
 */
export const screens: ReadonlyArray<ScreenEntry> = [
  // The prefecture's own work first: its communes' first two cards, its département's appointments.
  {
    id: "communes",
    label: "Communes du département",
    needs: [Contract.Communes.list, Contract.Agents.register, Contract.Cards.order, Contract.Cards.approvePersonalisation],
    when: atPrefecture,
    render: () => <PrefectureCommunes />,
  },
  { id: "rendez-vous", label: "Rendez-vous de remise", needs: [Contract.Planning.appointments], when: atPrefecture, render: () => <PrefectureAppointments /> },
  { id: "agents", label: "Agents du site", needs: [Contract.Agents.search, Contract.Agents.register], render: () => <Agents /> },
  { id: "cartes", label: "Cartes et demandes", needs: [Contract.Cards.list, Contract.Cards.order], when: isOperator, render: () => <Cards /> },
  {
    id: "dossier",
    label: "Dossier de la commune",
    needs: [Contract.Onboarding.status, Contract.Conventions.ofCommune],
    when: (actor) => actor.site._tag === "commune" && isOperator(actor),
    render: () => <OnboardingFile />,
  },
  // ANTS's: the queue of conventions it processes, any commune's file and its milestones, the editors list it keeps.
  {
    id: "conventions",
    label: "Conventions",
    needs: [Contract.Conventions.queue, Contract.Conventions.recordReceipt, Contract.Conventions.validate, Contract.Conventions.reject],
    render: () => <ConventionsQueue />,
  },
  {
    id: "dossiers-communes",
    label: "Dossiers des communes",
    needs: [
      Contract.Communes.list,
      Contract.Onboarding.status,
      Contract.Onboarding.timeline,
      Contract.Onboarding.recordMilestone,
      Contract.Cards.triggerConnection,
    ],
    render: () => <CommuneFile />,
  },
  { id: "editeurs", label: "Éditeurs compatibles", needs: [Contract.Editors.list, Contract.Editors.save], render: () => <Editors /> },
  // The deployment at a glance and the hand-over planning: ANTS, and a prefecture on its département.
  {
    id: "tableau-de-bord",
    label: "Tableau de bord",
    needs: [Contract.Communes.dashboard, Contract.Communes.dashboardMap, Contract.Communes.dashboardTrend],
    render: () => <Dashboard />,
  },
  {
    id: "planification",
    label: "Planification des remises",
    needs: [Contract.Planning.plan, Contract.Planning.confirm, Contract.Communes.dashboardMap],
    render: () => <Planning />,
  },
  { id: "mes-cartes", label: "Mes cartes", needs: [Contract.Cards.list], render: () => <Holder /> },
  // The auditor's, read only: nothing in them writes.
  { id: "verification", label: "Vérification du journal", needs: [Contract.Audit.verification, Contract.Audit.published], render: () => <AuditVerification /> },
  {
    id: "export-journal",
    label: "Export du journal",
    needs: [Contract.Audit.provenTrail],
    when: (actor) => reachesEverywhere(actor, "audit.export"),
    render: () => <AuditExport />,
  },
  { id: "delais-rgs", label: "Délais RGS", needs: [Contract.Monitoring.deadlines], render: () => <Deadlines /> },
];

/** The screens the actor may open, in the menu's order. */
export const screensOf = (actor: Actor.Actor): ReadonlyArray<ScreenEntry> =>
  screens.filter((screen) => screen.needs.every((endpoint) => mayCall(actor, endpoint)) && (screen.when?.(actor) ?? true));
