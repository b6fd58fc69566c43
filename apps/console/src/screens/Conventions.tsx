/**
 * ANTS's queue of conventions (DOMAIN.md §3, step 3): the CARTES and COMEDEC conventions the
 * mairies submitted, oldest first, by pages, filtered by status and département. For each, ANTS
 * records the receipt of the signed copies — by post, two copies are needed; by e-mail, one — then
 * validates it, or rejects it with a reason after a confirmation. Each form is checked in the page
 * by the contract's Schema before it is sent, and each write names the version it was decided on.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Contract } from "@comedec/http-contract";
import { useCallback, useEffect, useState } from "react";
import { ConfirmButton } from "../Confirm.js";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { conventionStatusNames } from "../OnboardingProgress.js";
import { Pagination, useCursorPages } from "../Pagination.js";
import { useCall } from "../Session.js";
import { type FieldErrors, frenchDate, today, validate } from "../Validation.js";

type Queued = Contract.Conventions.QueuedConvention;
type QueueStatus = (typeof Contract.Conventions.QueueStatus)["Type"];

const pageSize = 20;

const filterNames: ReadonlyArray<readonly [QueueStatus | "", string]> = [
  ["pending", "à traiter (en attente de réception ou à valider)"],
  ["incomplete", "en attente de réception"],
  ["received", "reçues, à valider"],
  ["validated", "validées"],
  ["rejected", "rejetées"],
  ["", "toutes"],
];

/**
 * The reasons the convention's state machine gives, in French (a reason typed by ANTS at a
 * rejection is shown as typed).
 */
const reasonNames: Readonly<Record<string, string>> = {
  "awaiting receipt of the signed convention by ANTS": "en attente de la réception de la convention signée par l'ANTS",
  "a convention sent by post must arrive in two signed copies": "une convention envoyée par courrier doit parvenir en deux exemplaires signés",
  "received before it was signed": "la date de réception précède la date de signature",
  "the signature date is in the future": "la date de signature est dans le futur",
  "the responsable carte and the délégué must be two different people": "le responsable carte et le délégué doivent être deux personnes différentes",
};

/** The reasons of a convention, in French. */
export const reasonsOf = (reasons: ReadonlyArray<string>): string => reasons.map((reason) => reasonNames[reason] ?? reason).join(" ; ");

/** A convention's name in a sentence ("convention CARTES de Villeurbanne (69266)"). */
const conventionName = (convention: Queued) => `convention ${convention.terms.kind} de ${convention.communeName} (${convention.terms.commune})`;

/** The conventions queue screen. */
export const ConventionsQueue = () => {
  const call = useCall();
  const [status, setStatus] = useState<QueueStatus | "">("pending");
  const [departement, setDepartement] = useState("");
  const pages = useCursorPages();
  const [page, setPage] = useState<{ readonly items: ReadonlyArray<Queued>; readonly next: string | null } | undefined>(undefined);
  const [selected, setSelected] = useState<Queued | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const load = useCallback(
    async (cursor: string | undefined) => {
      const outcome = await call(Contract.Conventions.queue, {
        query: {
          limit: pageSize,
          ...(status === "" ? {} : { status }),
          ...(departement.trim() === "" ? {} : { departement: departement.trim() as never }),
          ...(cursor === undefined ? {} : { cursor }),
        },
      });
      if (!outcome.ok) return setFeedback(outcome);
      setPage({ items: outcome.value.items, next: outcome.value.nextCursor });
    },
    [call, status, departement],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page is loaded once; a search reloads it on submit
  useEffect(() => {
    void load(undefined);
  }, []);

  const changed = async (record: Contract.Conventions.ConventionRecord, message: string) => {
    setSelected((current) => (current === undefined ? undefined : { ...current, ...record }));
    setFeedback({ ok: true, message });
    await load(pages.current);
  };

  return (
    <section aria-labelledby="conventions-title">
      <h1 id="conventions-title">Conventions des communes</h1>
      <p>
        Les conventions CARTES et COMEDEC déposées par les mairies, les plus anciennes d'abord. Une convention envoyée par courrier doit parvenir en deux
        exemplaires signés ; par courriel, un seul suffit.
      </p>
      <FeedbackAlert feedback={feedback} />
      <search>
        <form
          className="fr-grid-row fr-grid-row--gutters fr-grid-row--bottom"
          onSubmit={(event) => {
            event.preventDefault();
            pages.reset();
            void load(undefined);
          }}
        >
          <div className="fr-col-12 fr-col-md-5">
            <div className="fr-select-group">
              <label className="fr-label" htmlFor="queue-status">
                Conventions
              </label>
              <select id="queue-status" className="fr-select" value={status} onChange={(event) => setStatus(event.target.value as QueueStatus | "")}>
                {filterNames.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="fr-col-12 fr-col-md-3">
            <Input
              label="Département (facultatif)"
              nativeInputProps={{ value: departement, onChange: (event) => setDepartement(event.target.value), name: "queue-departement", maxLength: 3 }}
            />
          </div>
          <div className="fr-col-12 fr-col-md-4 fr-mb-3w">
            <Button type="submit" iconId="fr-icon-search-line">
              Afficher
            </Button>
          </div>
        </form>
      </search>

      {page === undefined ? (
        <p>Chargement…</p>
      ) : page.items.length === 0 ? (
        <p className="fr-callout" data-testid="empty">
          Aucune convention ne correspond à ce filtre.
        </p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table data-testid="queue">
            <caption>Conventions des communes</caption>
            <thead>
              <tr>
                <th scope="col">Commune</th>
                <th scope="col">Convention</th>
                <th scope="col">Signée le</th>
                <th scope="col">Déposée le</th>
                <th scope="col">Statut</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((convention) => (
                <tr key={convention.id} data-testid={`convention-${convention.id}`}>
                  <td>
                    {convention.communeName} ({convention.terms.commune})
                  </td>
                  <td>{convention.terms.kind}</td>
                  <td>{frenchDate(convention.terms.signedOn)}</td>
                  <td>{frenchDate(convention.submittedAt)}</td>
                  <td>
                    {conventionStatusNames[convention.status] ?? convention.status}
                    {convention.reasons.length === 0 ? null : <span className="fr-hint-text">{reasonsOf(convention.reasons)}</span>}
                  </td>
                  <td>
                    <Button size="small" priority="tertiary" onClick={() => setSelected(convention)} title={`Traiter la ${conventionName(convention)}`}>
                      Traiter
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination
        label="Pagination des conventions"
        number={pages.number}
        hasPrevious={pages.number > 1}
        hasNext={page?.next !== null && page?.next !== undefined}
        onPrevious={() => void load(pages.back())}
        onNext={() => {
          if (page?.next !== null && page?.next !== undefined) void load(pages.forward(page.next));
        }}
      />
      {selected === undefined ? null : (
        <ConventionPanel key={`${selected.id}-${selected.version}`} convention={selected} onChanged={changed} onRefused={setFeedback} />
      )}
    </section>
  );
};

/** One convention: what the mayor signed, and ANTS's receipt, validation or rejection. */
const ConventionPanel = ({
  convention,
  onChanged,
  onRefused,
}: {
  readonly convention: Queued;
  readonly onChanged: (record: Contract.Conventions.ConventionRecord, message: string) => Promise<void>;
  readonly onRefused: (feedback: Feedback) => void;
}) => {
  const call = useCall();
  const [channel, setChannel] = useState<"post" | "email">("post");
  const [copies, setCopies] = useState("2");
  const [receivedOn, setReceivedOn] = useState(today());
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const name = conventionName(convention);
  const params = { id: convention.id };

  const recordReceipt = async () => {
    const checked = validate(
      Contract.Conventions.recordReceipt.body,
      { receipt: { channel, copies: channel === "email" ? 1 : Number(copies), receivedOn }, expectedVersion: convention.version },
      { "receipt.copies": "Nombre d'exemplaires signés reçus", "receipt.receivedOn": "Date de réception", "receipt.channel": "Voie de réception" },
    );
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    const outcome = await call(Contract.Conventions.recordReceipt, { params, body: checked.value });
    if (!outcome.ok) return onRefused(outcome);
    await onChanged(
      outcome.value,
      outcome.value.status === "received"
        ? `Réception enregistrée : la ${name} est reçue, elle peut être validée.`
        : `Réception enregistrée, mais la ${name} reste incomplète : ${reasonsOf(outcome.value.reasons)}.`,
    );
  };

  const validateConvention = async () => {
    const outcome = await call(Contract.Conventions.validate, { params, body: { expectedVersion: convention.version } });
    if (!outcome.ok) return onRefused(outcome);
    await onChanged(outcome.value, `La ${name} est validée.`);
  };

  const reject = async () => {
    const checked = validate(
      Contract.Conventions.reject.body,
      { reasons: [reason.trim()], expectedVersion: convention.version },
      { reasons: "Motif du rejet" },
    );
    if (!checked.ok) return onRefused({ ok: false, refusal: { code: "invalid-request", message: Object.values(checked.errors).join(" ") } });
    const outcome = await call(Contract.Conventions.reject, { params, body: checked.value });
    if (!outcome.ok) return onRefused(outcome);
    await onChanged(outcome.value, `La ${name} est rejetée : ${reason.trim()}.`);
  };

  const open = convention.status === "incomplete" || convention.status === "received";
  return (
    <section aria-labelledby="convention-title" className="fr-mt-4w" data-testid="convention-panel">
      <h2 id="convention-title">
        Convention {convention.terms.kind} de {convention.communeName} ({convention.terms.commune})
      </h2>
      <ul>
        <li>
          Signée le {frenchDate(convention.terms.signedOn)} par {convention.terms.signatory.name} ({convention.terms.signatory.quality})
        </li>
        <li>
          Responsable carte : {convention.terms.responsableCarte.name} ({convention.terms.responsableCarte.email})
        </li>
        <li>
          Délégué : {convention.terms.delegue.name} ({convention.terms.delegue.email})
        </li>
        <li>
          Statut : {conventionStatusNames[convention.status] ?? convention.status}
          {convention.reasons.length === 0 ? "" : ` — ${reasonsOf(convention.reasons)}`}
        </li>
        {convention.receipt === undefined ? null : (
          <li>
            Reçue le {frenchDate(convention.receipt.receivedOn)} par {convention.receipt.channel === "post" ? "courrier" : "courriel"} (
            {convention.receipt.copies} exemplaire{convention.receipt.copies > 1 ? "s" : ""})
          </li>
        )}
      </ul>
      {convention.status !== "incomplete" ? null : (
        <form
          aria-label={`Réception de la ${name}`}
          className="fr-mb-3w"
          onSubmit={(event) => {
            event.preventDefault();
            void recordReceipt();
          }}
        >
          <h3>Réception des exemplaires signés</h3>
          <div className="fr-select-group">
            <label className="fr-label" htmlFor="receipt-channel">
              Voie de réception
            </label>
            <select id="receipt-channel" className="fr-select" value={channel} onChange={(event) => setChannel(event.target.value as "post" | "email")}>
              <option value="post">courrier postal (deux exemplaires signés)</option>
              <option value="email">courriel</option>
            </select>
          </div>
          {channel === "email" ? null : (
            <Input
              label="Nombre d'exemplaires signés reçus"
              state={errors["receipt.copies"] === undefined ? "default" : "error"}
              stateRelatedMessage={errors["receipt.copies"]}
              nativeInputProps={{ type: "number", min: 1, max: 10, value: copies, onChange: (event) => setCopies(event.target.value), name: "receipt-copies" }}
            />
          )}
          <Input
            label="Date de réception"
            state={errors["receipt.receivedOn"] === undefined ? "default" : "error"}
            stateRelatedMessage={errors["receipt.receivedOn"]}
            nativeInputProps={{ type: "date", value: receivedOn, onChange: (event) => setReceivedOn(event.target.value), name: "receipt-received-on" }}
          />
          <Button type="submit">Enregistrer la réception</Button>
        </form>
      )}
      {convention.status !== "received" ? null : (
        <p>
          <Button onClick={() => void validateConvention()}>Valider la convention</Button>
        </p>
      )}
      {!open ? (
        <p>Cette convention est {conventionStatusNames[convention.status]} : il n'y a plus rien à y faire.</p>
      ) : (
        <ConfirmButton
          label="Rejeter la convention"
          question={`Rejeter la ${name} ? La mairie devra en déposer une nouvelle.`}
          confirmLabel="Confirmer le rejet"
          onConfirm={reject}
        >
          <Input
            textArea
            label="Motif du rejet"
            hintText="Il est communiqué à la mairie."
            nativeTextAreaProps={{ value: reason, onChange: (event) => setReason(event.target.value), name: "rejection-reason", maxLength: 200 }}
          />
        </ConfirmButton>
      )}
    </section>
  );
};
