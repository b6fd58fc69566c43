/**
 * The list of civil-status software editors compatible with COMEDEC, which ANTS keeps (DOMAIN.md
 * §3, step 8: a commune contracts only with an editor on it): read by pages, an editor added or
 * updated — its compatibility withdrawn or given back — through a form checked in the page by the
 * contract's Schemas.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Contract } from "@comedec/http-contract";
import { useCallback, useEffect, useState } from "react";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { Pagination } from "../Pagination.js";
import { useCall } from "../Session.js";
import { type FieldErrors, validate } from "../Validation.js";

type EditorRecord = (typeof Contract.Editors.EditorRecord)["Type"];

const pageSize = 20;

/** The editors screen. */
export const Editors = () => {
  const call = useCall();
  const [editors, setEditors] = useState<ReadonlyArray<EditorRecord> | undefined>(undefined);
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<EditorRecord | "new" | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const load = useCallback(async () => {
    const outcome = await call(Contract.Editors.list, {});
    if (!outcome.ok) return setFeedback(outcome);
    setEditors([...outcome.value.items].sort((a, b) => a.name.localeCompare(b.name, "fr")));
  }, [call]);

  useEffect(() => {
    void load();
  }, [load]);

  const pages = editors === undefined ? 1 : Math.max(1, Math.ceil(editors.length / pageSize));
  const shown = editors?.slice((page - 1) * pageSize, page * pageSize) ?? [];
  return (
    <section aria-labelledby="editors-title">
      <h1 id="editors-title">Éditeurs de logiciels d'état civil</h1>
      <p>Une commune ne peut contracter qu'avec un éditeur compatible avec COMEDEC.</p>
      <FeedbackAlert feedback={feedback} />
      <p>
        <Button priority="secondary" onClick={() => setEditing("new")}>
          Ajouter un éditeur
        </Button>
      </p>
      {editing === undefined ? null : (
        <EditorForm
          key={editing === "new" ? "new" : editing.id}
          editor={editing === "new" ? undefined : editing}
          onSaved={async (saved) => {
            setEditing(undefined);
            setFeedback({ ok: true, message: `${saved.name} est enregistré${saved.compatible ? " comme compatible" : " comme non compatible"}.` });
            await load();
          }}
          onCancel={() => setEditing(undefined)}
          onRefused={setFeedback}
        />
      )}
      {editors === undefined ? (
        <p>Chargement…</p>
      ) : editors.length === 0 ? (
        <p className="fr-callout" data-testid="empty">
          Aucun éditeur n'est encore sur la liste.
        </p>
      ) : (
        <>
          <div className="fr-table fr-table--no-caption">
            <table data-testid="editors">
              <caption>Éditeurs de logiciels d'état civil</caption>
              <thead>
                <tr>
                  <th scope="col">Éditeur</th>
                  <th scope="col">Identifiant</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Compatible</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((editor) => (
                  <tr key={editor.id}>
                    <td>{editor.name}</td>
                    <td>{editor.id}</td>
                    <td>{editor.contactEmail}</td>
                    <td>{editor.compatible ? "oui" : "non"}</td>
                    <td>
                      <Button size="small" priority="tertiary" onClick={() => setEditing(editor)} title={`Modifier ${editor.name}`}>
                        Modifier
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            label="Pagination des éditeurs"
            number={page}
            hasPrevious={page > 1}
            hasNext={page < pages}
            onPrevious={() => setPage(page - 1)}
            onNext={() => setPage(page + 1)}
          />
        </>
      )}
    </section>
  );
};

/** An editor added, or updated. */
const EditorForm = ({
  editor,
  onSaved,
  onCancel,
  onRefused,
}: {
  readonly editor: EditorRecord | undefined;
  readonly onSaved: (editor: EditorRecord) => Promise<void>;
  readonly onCancel: () => void;
  readonly onRefused: (feedback: Feedback) => void;
}) => {
  const call = useCall();
  const [id, setId] = useState(editor?.id ?? "");
  const [name, setName] = useState(editor?.name ?? "");
  const [contactEmail, setContactEmail] = useState(editor?.contactEmail ?? "");
  const [compatible, setCompatible] = useState(editor?.compatible ?? true);
  const [errors, setErrors] = useState<FieldErrors>({});

  const save = async () => {
    const params = validate(Contract.Editors.save.params, { id: id.trim() }, { id: "Identifiant" });
    const body = validate(
      Contract.Editors.save.body,
      { name: name.trim(), contactEmail: contactEmail.trim(), compatible },
      { name: "Nom de l'éditeur", contactEmail: "Adresse électronique de contact" },
    );
    if (!params.ok || !body.ok) return setErrors({ ...(params.ok ? {} : params.errors), ...(body.ok ? {} : body.errors) });
    setErrors({});
    const outcome = await call(Contract.Editors.save, { params: params.value, body: body.value });
    if (!outcome.ok) return onRefused(outcome);
    await onSaved(outcome.value);
  };

  const field = (
    label: string,
    key: string,
    value: string,
    onChange: (value: string) => void,
    options: { readonly hint?: string; readonly type?: string; readonly disabled?: boolean } = {},
  ) => (
    <Input
      label={label}
      {...(options.hint === undefined ? {} : { hintText: options.hint })}
      disabled={options.disabled ?? false}
      state={errors[key] === undefined ? "default" : "error"}
      stateRelatedMessage={errors[key]}
      nativeInputProps={{ name: `editor-${key}`, value, type: options.type ?? "text", onChange: (event) => onChange(event.target.value) }}
    />
  );

  return (
    <form
      aria-label={editor === undefined ? "Ajout d'un éditeur" : `Modification de ${editor.name}`}
      className="fr-mb-4w"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <h2>{editor === undefined ? "Ajouter un éditeur" : `Modifier ${editor.name}`}</h2>
      {field("Identifiant", "id", id, setId, { hint: "Lettres minuscules, chiffres et tirets (logiciel-etat-civil)", disabled: editor !== undefined })}
      {field("Nom de l'éditeur", "name", name, setName)}
      {field("Adresse électronique de contact", "contactEmail", contactEmail, setContactEmail, { type: "email" })}
      <div className="fr-checkbox-group fr-mb-3w">
        <input type="checkbox" id="editor-compatible" checked={compatible} onChange={(event) => setCompatible(event.target.checked)} />
        <label className="fr-label" htmlFor="editor-compatible">
          Compatible avec COMEDEC
        </label>
      </div>
      <div className="fr-btns-group fr-btns-group--inline-sm">
        <Button type="submit">Enregistrer l'éditeur</Button>
        <Button priority="secondary" onClick={onCancel}>
          Annuler
        </Button>
      </div>
    </form>
  );
};
