/**
 * The site's agents (AGAEC), for the mairie's responsable carte and délégué: search and a list
 * paginated by the platform's cursor, the registration with the identity document check, and on
 * a record: contact details, rights and identity (an identity change carries a new document
 * check), deactivation with a reason, deletion after an explicit confirmation. The screen asks
 * for the signed-in actor's own site — or, for a prefecture, the commune whose first two holders
 * it registers (`commune`); the platform refuses any other.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Agent } from "@comedec/agent";
import { Contract } from "@comedec/http-contract";
import { Schema } from "effect";
import { useCallback, useEffect, useState } from "react";
import { ConfirmButton } from "../Confirm.js";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { type Session, useCall, useSignedIn } from "../Session.js";
import { type FieldErrors, frenchDate, today, validate } from "../Validation.js";

type AgentRecord = Contract.Agents.AgentRecord;

/** The rights, in French. */
export const rightNames: Readonly<Record<Agent.Right, string>> = {
  "receive-requests": "recevoir les demandes",
  "sign-responses": "signer les réponses",
  "operate-cards": "gérer les cartes",
  "register-agents": "enregistrer les agents",
  "audit-trail": "vérifier le journal d'audit (auditeur de l'ANTS, sans autre droit)",
};

const statusNames: Readonly<Record<Agent.Status, string>> = { active: "actif", deactivated: "désactivé", deleted: "supprimé" };
const documentNames = { "carte-nationale-identite": "carte nationale d'identité", passeport: "passeport", "titre-de-sejour": "titre de séjour" } as const;

/** The site query of the actor's own site. */
export const ownSite = (session: Session): { readonly commune?: string; readonly prefecture?: string } =>
  session.actor.site._tag === "commune"
    ? { commune: session.actor.site.commune }
    : session.actor.site._tag === "prefecture"
      ? { prefecture: session.actor.site.departement }
      : {};

/** The listing query of the actor's own site, as the contract types it (the platform checks the codes). */
export const siteQueryOf = (session: Session): { readonly commune?: never; readonly prefecture?: never } => {
  const site = ownSite(session);
  return {
    ...(site.commune === undefined ? {} : { commune: site.commune as never }),
    ...(site.prefecture === undefined ? {} : { prefecture: site.prefecture as never }),
  };
};

/** The name a person reads. */
export const fullName = (agent: { readonly identity?: Agent.State["identity"] }): string =>
  agent.identity === undefined ? "(fiche supprimée)" : `${agent.identity.givenNames.join(" ")} ${agent.identity.usedName ?? agent.identity.birthName}`;

const pageSize = 10;

/** How many agents of a commune its prefecture registers: the holders of its first two cards (`Registration.prefectureRegistrationsPerCommune`). */
const prefectureRegistrations = 2;

/** A commune a prefecture acts for (its first two cards' holders), chosen in its own screen. */
export interface ChosenCommune {
  readonly code: string;
  readonly name: string;
}

/** The site query of the screen: the chosen commune, else the actor's own site. */
export const siteQueryFor = (session: Session, commune: ChosenCommune | undefined): { readonly commune?: never; readonly prefecture?: never } =>
  commune === undefined ? siteQueryOf(session) : { commune: commune.code as never };

/** The agents screen, of the actor's site or of the commune a prefecture chose (then under its own page's title). */
export const Agents = ({ commune }: { readonly commune?: ChosenCommune } = {}) => {
  const session = useSignedIn();
  const call = useCall();
  const [name, setName] = useState("");
  const [status, setStatus] = useState<"" | Agent.Status>("active");
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined]);
  const [page, setPage] = useState<{ readonly items: ReadonlyArray<AgentRecord>; readonly next: string | null } | undefined>(undefined);
  const [selected, setSelected] = useState<AgentRecord | undefined>(undefined);
  const [creating, setCreating] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  // For a prefecture at a commune: whether its two registrations are made (the commune registers the others).
  const [full, setFull] = useState(false);

  const load = useCallback(
    async (cursor: string | undefined) => {
      const outcome = await call(Contract.Agents.search, {
        query: {
          limit: pageSize,
          ...siteQueryFor(session, commune),
          ...(name.trim() === "" ? {} : { name: name.trim() }),
          ...(status === "" ? {} : { status }),
          ...(cursor === undefined ? {} : { cursor }),
        },
      });
      if (!outcome.ok) return setFeedback(outcome);
      setPage({ items: outcome.value.items, next: outcome.value.nextCursor });
      if (commune === undefined) return;
      const every = await call(Contract.Agents.search, { query: { ...siteQueryFor(session, commune), limit: 50 } });
      if (every.ok) setFull(every.value.items.filter((record) => record.status !== "deleted").length >= prefectureRegistrations);
    },
    [call, session, commune, name, status],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page is loaded once; a search reloads it on submit
  useEffect(() => {
    void load(undefined);
  }, []);

  const changed = async (record: AgentRecord, message: string) => {
    setSelected(record.status === "deleted" ? undefined : record);
    setFeedback({ ok: true, message });
    await load(cursors[cursors.length - 1]);
  };

  const Title = commune === undefined ? "h1" : "h2";
  return (
    <section aria-labelledby="agents-title">
      <Title id="agents-title">{commune === undefined ? "Agents du site" : `Agents de ${commune.name}`}</Title>
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
          <div className="fr-col-12 fr-col-md-5">
            <Input label="Nom" nativeInputProps={{ value: name, onChange: (event) => setName(event.target.value), name: "search-name" }} />
          </div>
          <div className="fr-col-12 fr-col-md-3">
            <div className="fr-select-group">
              <label className="fr-label" htmlFor="agent-status">
                Statut
              </label>
              <select id="agent-status" className="fr-select" value={status} onChange={(event) => setStatus(event.target.value as "" | Agent.Status)}>
                <option value="">tous</option>
                <option value="active">actifs</option>
                <option value="deactivated">désactivés</option>
              </select>
            </div>
          </div>
          <div className="fr-col-12 fr-col-md-4 fr-mb-3w">
            <Button type="submit" iconId="fr-icon-search-line">
              Rechercher
            </Button>{" "}
            {full ? null : (
              <Button priority="secondary" onClick={() => setCreating(true)}>
                Enregistrer un agent
              </Button>
            )}
          </div>
        </form>
      </search>
      {full ? (
        <p className="fr-text--sm" data-testid="registrations-done">
          Les deux titulaires des premières cartes sont enregistrés : la commune enregistre elle-même ses autres agents.
        </p>
      ) : null}

      {creating ? (
        <Registration
          {...(commune === undefined ? {} : { commune })}
          onDone={async (record) => {
            setCreating(false);
            await changed(record, `${fullName(record)} est enregistré(e).`);
          }}
          onCancel={() => setCreating(false)}
          onRefused={setFeedback}
        />
      ) : null}

      {page === undefined ? (
        <p>Chargement…</p>
      ) : page.items.length === 0 ? (
        <p className="fr-callout" data-testid="empty">
          Aucun agent ne correspond à cette recherche sur votre site.
        </p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table>
            <caption>Agents du site</caption>
            <thead>
              <tr>
                <th scope="col">Nom</th>
                <th scope="col">Profil</th>
                <th scope="col">Droits</th>
                <th scope="col">Statut</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((record) => (
                <tr key={record.id}>
                  <td>{fullName(record)}</td>
                  <td>{record.profile?._tag === "officer" ? "officier d'état civil" : "agent d'état civil"}</td>
                  <td>{record.rights.map((right) => rightNames[right]).join(", ") || "aucun"}</td>
                  <td>{statusNames[record.status]}</td>
                  <td>
                    <Button size="small" priority="tertiary" onClick={() => setSelected(record)} title={`Ouvrir la fiche de ${fullName(record)}`}>
                      Ouvrir
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="fr-pagination" aria-label="Pagination des agents">
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
      {selected === undefined ? null : (
        <AgentRecordPanel key={`${selected.id}-${selected.version}`} record={selected} onChanged={changed} onRefused={setFeedback} />
      )}
    </section>
  );
};

/** A text field of a form, with its error under it. */
const Field = ({
  label,
  name,
  value,
  onChange,
  errors,
  hint,
  type,
}: {
  readonly label: string;
  readonly name: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly errors: FieldErrors;
  readonly hint?: string;
  readonly type?: string;
}) => (
  <Input
    label={label}
    {...(hint === undefined ? {} : { hintText: hint })}
    state={errors[name] === undefined ? "default" : "error"}
    stateRelatedMessage={errors[name]}
    nativeInputProps={{ name, value, type: type ?? "text", onChange: (event) => onChange(event.target.value) }}
  />
);

/** The labels of the registration's fields, by path. */
const registrationLabels: Readonly<Record<string, string>> = {
  "identity.birthName": "Nom de naissance",
  "identity.usedName": "Nom d'usage",
  "identity.givenNames": "Prénoms",
  "identity.sex": "Sexe",
  "identity.birthDate": "Date de naissance",
  "identity.placeOfBirth": "Commune de naissance (code INSEE)",
  "document.type": "Type de pièce",
  "document.number": "Numéro de la pièce",
  "document.issuingAuthority": "Autorité de délivrance",
  "document.expiresOn": "Date d'expiration de la pièce",
  "document.check": "Contrôle de la pièce",
  "document.check.faceToFace": "Pièce vue en face à face",
  document: "Pièce d'identité",
  "contact.email": "Adresse électronique",
  "contact.phone": "Téléphone",
  contact: "Coordonnées",
  rights: "Droits",
  profile: "Profil",
  site: "Site",
  identity: "Identité",
};

/** The identity and document-check fields, shared by the registration and an identity change. */
interface IdentityFields {
  readonly birthName: string;
  readonly givenNames: string;
  readonly sex: "F" | "M";
  readonly birthDate: string;
  readonly birthCommune: string;
  readonly documentType: keyof typeof documentNames;
  readonly documentNumber: string;
  readonly authority: string;
  readonly expiresOn: string;
  readonly faceToFace: boolean;
}

const emptyIdentity: IdentityFields = {
  birthName: "",
  givenNames: "",
  sex: "F",
  birthDate: "",
  birthCommune: "",
  documentType: "carte-nationale-identite",
  documentNumber: "",
  authority: "",
  expiresOn: "",
  faceToFace: false,
};

/** The identity and its document check as the contract takes them: the document's holder is the identity typed, checked today by the actor. */
const identityAndDocument = (fields: IdentityFields, checkedBy: string) => {
  const givenNames = fields.givenNames.split(/\s+/).filter((given) => given.length > 0);
  return {
    identity: {
      birthName: fields.birthName.trim(),
      givenNames,
      sex: fields.sex,
      birthDate: fields.birthDate,
      placeOfBirth: { _tag: "commune", commune: fields.birthCommune.trim() },
    },
    document: {
      type: fields.documentType,
      number: fields.documentNumber.trim().toUpperCase(),
      issuingAuthority: fields.authority.trim(),
      expiresOn: fields.expiresOn,
      holder: { birthName: fields.birthName.trim().toUpperCase(), givenNames, birthDate: fields.birthDate },
      check: { by: checkedBy, on: today(), faceToFace: fields.faceToFace },
    },
  };
};

/** The identity and the document check, as a fieldset. */
const IdentityFieldset = ({
  fields,
  set,
  errors,
  checkedBy,
}: {
  readonly fields: IdentityFields;
  readonly set: (fields: IdentityFields) => void;
  readonly errors: FieldErrors;
  readonly checkedBy: string;
}) => (
  <>
    <fieldset className="fr-fieldset">
      <legend className="fr-fieldset__legend">Identité (telle qu'elle figure sur la pièce)</legend>
      <div className="fr-fieldset__element">
        <Field
          label="Nom de naissance"
          name="identity.birthName"
          value={fields.birthName}
          onChange={(birthName) => set({ ...fields, birthName })}
          errors={errors}
        />
      </div>
      <div className="fr-fieldset__element">
        <Field
          label="Prénoms"
          hint="Dans l'ordre de l'acte, séparés par des espaces"
          name="identity.givenNames"
          value={fields.givenNames}
          onChange={(givenNames) => set({ ...fields, givenNames })}
          errors={errors}
        />
      </div>
      <div className="fr-fieldset__element">
        <div className="fr-select-group">
          <label className="fr-label" htmlFor="identity-sex">
            Sexe
          </label>
          <select id="identity-sex" className="fr-select" value={fields.sex} onChange={(event) => set({ ...fields, sex: event.target.value as "F" | "M" })}>
            <option value="F">féminin</option>
            <option value="M">masculin</option>
          </select>
        </div>
      </div>
      <div className="fr-fieldset__element">
        <Field
          label="Date de naissance"
          type="date"
          name="identity.birthDate"
          value={fields.birthDate}
          onChange={(birthDate) => set({ ...fields, birthDate })}
          errors={errors}
        />
      </div>
      <div className="fr-fieldset__element">
        <Field
          label="Commune de naissance (code INSEE)"
          hint="Cinq caractères, par exemple 69123"
          name="identity.placeOfBirth"
          value={fields.birthCommune}
          onChange={(birthCommune) => set({ ...fields, birthCommune })}
          errors={errors}
        />
      </div>
    </fieldset>
    <fieldset className="fr-fieldset">
      <legend className="fr-fieldset__legend">Contrôle de la pièce d'identité</legend>
      <div className="fr-fieldset__element">
        <div className="fr-select-group">
          <label className="fr-label" htmlFor="document-type">
            Type de pièce
          </label>
          <select
            id="document-type"
            className="fr-select"
            value={fields.documentType}
            onChange={(event) => set({ ...fields, documentType: event.target.value as IdentityFields["documentType"] })}
          >
            {Object.entries(documentNames).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="fr-fieldset__element">
        <Field
          label="Numéro de la pièce"
          hint="6 à 20 lettres capitales ou chiffres"
          name="document.number"
          value={fields.documentNumber}
          onChange={(documentNumber) => set({ ...fields, documentNumber })}
          errors={errors}
        />
      </div>
      <div className="fr-fieldset__element">
        <Field
          label="Autorité de délivrance"
          name="document.issuingAuthority"
          value={fields.authority}
          onChange={(authority) => set({ ...fields, authority })}
          errors={errors}
        />
      </div>
      <div className="fr-fieldset__element">
        <Field
          label="Date d'expiration de la pièce"
          type="date"
          name="document.expiresOn"
          value={fields.expiresOn}
          onChange={(expiresOn) => set({ ...fields, expiresOn })}
          errors={errors}
        />
      </div>
      <div className="fr-fieldset__element">
        <div className="fr-checkbox-group">
          <input
            type="checkbox"
            id="document-face-to-face"
            checked={fields.faceToFace}
            onChange={(event) => set({ ...fields, faceToFace: event.target.checked })}
          />
          <label className="fr-label" htmlFor="document-face-to-face">
            J'ai vu la pièce et la personne en face à face (contrôle par {checkedBy}, le {frenchDate(today())})
          </label>
        </div>
      </div>
    </fieldset>
  </>
);

/** The rights, as checkboxes; the audit trail's only for an agent of the national site (ANTS's auditor). */
const RightsFieldset = ({
  rights,
  set,
  national,
}: {
  readonly rights: ReadonlyArray<Agent.Right>;
  readonly set: (rights: ReadonlyArray<Agent.Right>) => void;
  readonly national: boolean;
}) => (
  <fieldset className="fr-fieldset">
    <legend className="fr-fieldset__legend">Droits sur la plateforme</legend>
    {Agent.Right.literals
      .filter((right) => national || right !== "audit-trail")
      .map((right) => (
        <div className="fr-fieldset__element" key={right}>
          <div className="fr-checkbox-group">
            <input
              type="checkbox"
              id={`right-${right}`}
              checked={rights.includes(right)}
              onChange={(event) => set(event.target.checked ? [...rights, right] : rights.filter((kept) => kept !== right))}
            />
            <label className="fr-label" htmlFor={`right-${right}`}>
              {rightNames[right]}
            </label>
          </div>
        </div>
      ))}
  </fieldset>
);

/** Registering an agent of the site, with the document check. */
const Registration = ({
  commune,
  onDone,
  onCancel,
  onRefused,
}: {
  /** The commune a prefecture registers the holder at; the actor's own site otherwise. */
  readonly commune?: ChosenCommune;
  readonly onDone: (record: AgentRecord) => Promise<void>;
  readonly onCancel: () => void;
  readonly onRefused: (feedback: Feedback) => void;
}) => {
  const session = useSignedIn();
  const call = useCall();
  const [fields, setFields] = useState<IdentityFields>(emptyIdentity);
  const [email, setEmail] = useState("");
  const [phone, setPhone] = useState("");
  const [rights, setRights] = useState<ReadonlyArray<Agent.Right>>(["receive-requests"]);
  const [errors, setErrors] = useState<FieldErrors>({});
  // A national administrator registers an agent at any site: ANTS's own (its administrators, the first of them included), a prefecture or a commune.
  const national = session.actor.site._tag === "national";
  const [siteKind, setSiteKind] = useState<"national" | "prefecture" | "commune">("national");
  const [siteCode, setSiteCode] = useState("");

  const submit = async () => {
    const site =
      commune !== undefined
        ? { _tag: "commune", commune: commune.code }
        : !national
          ? session.actor.site
          : siteKind === "national"
            ? { _tag: "national" }
            : siteKind === "commune"
              ? { _tag: "commune", commune: siteCode.trim() }
              : { _tag: "prefecture", departement: siteCode.trim().toUpperCase() };
    const registration = {
      ...identityAndDocument(fields, session.actor.id),
      contact: { email: email.trim(), ...(phone.trim() === "" ? {} : { phone: phone.trim() }) },
      site,
      profile: { _tag: "agent" },
      rights,
    };
    const checked = validate(Agent.Registration, registration, registrationLabels);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.Agents.register, { body: checked.value });
    if (!outcome.ok) return onRefused(outcome);
    await onDone(outcome.value);
  };

  return (
    <form
      className="fr-mb-4w"
      aria-labelledby="registration-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="registration-title">{commune === undefined ? "Enregistrer un agent" : `Enregistrer un agent de ${commune.name}`}</h2>
      {Object.keys(errors).length === 0 ? null : (
        <p className="fr-error-text" role="alert">
          Le formulaire comporte {Object.keys(errors).length} erreur(s) : corrigez les champs signalés.
        </p>
      )}
      <IdentityFieldset fields={fields} set={setFields} errors={errors} checkedBy={session.actor.name} />
      <fieldset className="fr-fieldset">
        <legend className="fr-fieldset__legend">Coordonnées</legend>
        <div className="fr-fieldset__element">
          <Field label="Adresse électronique" type="email" name="contact.email" value={email} onChange={setEmail} errors={errors} />
        </div>
        <div className="fr-fieldset__element">
          <Field label="Téléphone (facultatif)" name="contact.phone" value={phone} onChange={setPhone} errors={errors} />
        </div>
      </fieldset>
      {national ? (
        <fieldset className="fr-fieldset">
          <legend className="fr-fieldset__legend">Site de l'agent</legend>
          <div className="fr-fieldset__element">
            <div className="fr-select-group">
              <label className="fr-label" htmlFor="registration-site-kind">
                Type de site
              </label>
              <select
                id="registration-site-kind"
                className="fr-select"
                value={siteKind}
                onChange={(event) => setSiteKind(event.target.value as typeof siteKind)}
              >
                <option value="national">niveau national (ANTS)</option>
                <option value="prefecture">préfecture</option>
                <option value="commune">commune</option>
              </select>
            </div>
          </div>
          {siteKind === "national" ? null : (
            <div className="fr-fieldset__element">
              <Field
                label={siteKind === "commune" ? "Code INSEE de la commune" : "Numéro du département de la préfecture"}
                name="site"
                value={siteCode}
                onChange={setSiteCode}
                errors={errors}
              />
            </div>
          )}
        </fieldset>
      ) : null}
      <RightsFieldset rights={rights} set={setRights} national={national && commune === undefined && siteKind === "national"} />
      <Button type="submit">Enregistrer</Button>{" "}
      <Button priority="secondary" onClick={onCancel}>
        Annuler
      </Button>
    </form>
  );
};

/** One record: its details and what may be done with it. */
const AgentRecordPanel = ({
  record,
  onChanged,
  onRefused,
}: {
  readonly record: AgentRecord;
  readonly onChanged: (record: AgentRecord, message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
}) => {
  const session = useSignedIn();
  const call = useCall();
  const [email, setEmail] = useState(record.contact?.email ?? "");
  const [phone, setPhone] = useState(record.contact?.phone ?? "");
  const [rights, setRights] = useState<ReadonlyArray<Agent.Right>>(record.rights);
  const [changeIdentity, setChangeIdentity] = useState(false);
  const [identity, setIdentity] = useState<IdentityFields>({
    ...emptyIdentity,
    birthName: record.identity?.birthName ?? "",
    givenNames: record.identity?.givenNames.join(" ") ?? "",
    sex: record.identity?.sex ?? "F",
    birthDate: record.identity?.birthDate ?? "",
    birthCommune: record.identity?.placeOfBirth._tag === "commune" ? record.identity.placeOfBirth.commune : "",
  });
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const name = fullName(record);

  const saveContact = async () => {
    const contact = { email: email.trim(), ...(phone.trim() === "" ? {} : { phone: phone.trim() }) };
    const checked = validate(Schema.Struct({ contact: Agent.Contact }), { contact }, registrationLabels);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.Agents.changeContact, {
      params: { id: record.id },
      body: { contact: checked.value.contact, expectedVersion: record.version },
    });
    if (!outcome.ok) return onRefused(outcome);
    await onChanged(outcome.value, `Les coordonnées de ${name} sont enregistrées.`);
  };

  const saveModification = async () => {
    const modification = { rights, ...(changeIdentity ? identityAndDocument(identity, session.actor.id) : {}) };
    const checked = validate(Agent.Modification, modification, registrationLabels);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.Agents.modify, { params: { id: record.id }, body: { ...checked.value, expectedVersion: record.version } });
    if (!outcome.ok) return onRefused(outcome);
    await onChanged(outcome.value, `La fiche de ${name} est modifiée.`);
  };

  const reasonChecked = (): string | undefined => {
    const checked = validate(Agent.Reason, reason.trim(), { "": "Motif" });
    if (!checked.ok) {
      setErrors({ reason: "Motif : 3 à 500 caractères." });
      return undefined;
    }
    return checked.value;
  };

  return (
    <section className="fr-mt-4w fr-p-3w comedec-record" aria-labelledby="record-title" data-testid="agent-record">
      <h2 id="record-title">Fiche de {name}</h2>
      <p>
        Statut : {statusNames[record.status]}
        {record.deactivationReason === undefined ? "" : ` (motif : ${record.deactivationReason})`}. Pièce contrôlée :{" "}
        {record.document === undefined
          ? "aucune"
          : `${documentNames[record.document.type]} n° ${record.document.number}, expire le ${frenchDate(record.document.expiresOn)}`}
        .
      </p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void saveContact();
        }}
      >
        <h3 className="fr-h5">Coordonnées</h3>
        <Field label="Adresse électronique" type="email" name="contact.email" value={email} onChange={setEmail} errors={errors} />
        <Field label="Téléphone (facultatif)" name="contact.phone" value={phone} onChange={setPhone} errors={errors} />
        <Button type="submit" priority="secondary">
          Enregistrer les coordonnées
        </Button>
      </form>
      {record.status !== "active" ? null : (
        <form
          className="fr-mt-3w"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void saveModification();
          }}
        >
          <h3 className="fr-h5">Droits et identité</h3>
          <RightsFieldset rights={rights} set={setRights} national={record.site._tag === "national"} />
          <div className="fr-checkbox-group fr-mb-2w">
            <input type="checkbox" id="change-identity" checked={changeIdentity} onChange={(event) => setChangeIdentity(event.target.checked)} />
            <label className="fr-label" htmlFor="change-identity">
              Modifier l'identité (un nouveau contrôle de la pièce est demandé)
            </label>
          </div>
          {changeIdentity ? <IdentityFieldset fields={identity} set={setIdentity} errors={errors} checkedBy={session.actor.name} /> : null}
          <Button type="submit" priority="secondary">
            Enregistrer les modifications
          </Button>
        </form>
      )}
      <h3 className="fr-h5 fr-mt-3w">Désactiver ou supprimer</h3>
      <Input
        label="Motif"
        hintText="Obligatoire, conservé dans le journal"
        state={errors.reason === undefined ? "default" : "error"}
        stateRelatedMessage={errors.reason}
        nativeInputProps={{ value: reason, onChange: (event) => setReason(event.target.value), name: "reason" }}
      />
      <div className="fr-btns-group fr-btns-group--inline-md">
        {record.status === "active" ? (
          <ConfirmButton
            label="Désactiver"
            question={`Désactiver ${name} ? Ses cartes seront suspendues et ses sessions fermées.`}
            confirmLabel="Confirmer la désactivation"
            onConfirm={async () => {
              const why = reasonChecked();
              if (why === undefined) return;
              const outcome = await call(Contract.Agents.deactivate, { params: { id: record.id }, body: { reason: why, expectedVersion: record.version } });
              if (!outcome.ok) return onRefused(outcome);
              await onChanged(outcome.value, `${name} est désactivé(e).`);
            }}
          />
        ) : null}
        <ConfirmButton
          label="Supprimer"
          question={`Supprimer définitivement la fiche de ${name} ? Ses données personnelles seront effacées ; cette action est irréversible.`}
          confirmLabel="Supprimer définitivement"
          onConfirm={async () => {
            const why = reasonChecked();
            if (why === undefined) return;
            const outcome = await call(Contract.Agents.remove, { params: { id: record.id }, body: { reason: why, expectedVersion: record.version } });
            if (!outcome.ok) return onRefused(outcome);
            await onChanged(outcome.value, `La fiche de ${name} est supprimée.`);
          }}
        />
      </div>
    </section>
  );
};
