/**
 * A destructive action asks for confirmation first: its button opens, in place, a box that says
 * what will happen, with "Confirmer" and "Annuler"; the focus moves to the box and back to the
 * button when it is cancelled, so the keyboard alone is enough.
 */
import { Button } from "@codegouvfr/react-dsfr/Button";
import { type ReactNode, useEffect, useRef, useState } from "react";

/** A button whose action runs only once confirmed. */
export const ConfirmButton = ({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
  children,
}: {
  readonly label: string;
  /** What the box asks (the consequence of the action). */
  readonly question: string;
  readonly confirmLabel?: string;
  readonly onConfirm: () => Promise<void> | void;
  readonly disabled?: boolean;
  /** What the confirmation needs typed or chosen (a reason), shown inside the box. */
  readonly children?: ReactNode;
}) => {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLFieldSetElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  // The focus goes into the box when it opens, and back to its button when it closes.
  const [wasOpen, setWasOpen] = useState(false);
  useEffect(() => {
    if (open) {
      box.current?.focus();
      setWasOpen(true);
    } else if (wasOpen) opener.current?.focus();
  }, [open, wasOpen]);
  if (!open)
    return (
      <Button priority="secondary" size="small" disabled={disabled ?? false} onClick={() => setOpen(true)} ref={opener}>
        {label}
      </Button>
    );
  return (
    <fieldset ref={box} tabIndex={-1} className="fr-p-2w fr-mb-2w comedec-confirm">
      <legend className="fr-text--bold fr-mb-1w">{question}</legend>
      {children}
      <div className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm">
        <Button
          size="small"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onConfirm();
            } finally {
              setBusy(false);
              setOpen(false);
            }
          }}
        >
          {confirmLabel ?? "Confirmer"}
        </Button>
        <Button size="small" priority="secondary" onClick={() => setOpen(false)}>
          Annuler
        </Button>
      </div>
    </fieldset>
  );
};
