/**
 * What every screen shows after an action: the result, or the refusal in French, in a live region
 * that screen readers announce and that takes the focus, so a keyboard user hears and sees it.
 */
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { useEffect, useRef } from "react";
import type { Refusal } from "./Messages.js";

/** A result to show: done, or refused. */
export type Feedback = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly refusal: Refusal } | undefined;

/** The result of the last action, focused when it appears. */
export const FeedbackAlert = ({ feedback }: { readonly feedback: Feedback }) => {
  const region = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (feedback !== undefined) region.current?.focus();
  }, [feedback]);
  if (feedback === undefined) return null;
  return (
    <div ref={region} tabIndex={-1} className="fr-my-2w" data-testid="feedback">
      {feedback.ok ? (
        <Alert severity="success" small description={feedback.message} role="status" />
      ) : (
        <Alert severity="error" small description={`${feedback.refusal.message} (${feedback.refusal.code})`} role="alert" />
      )}
    </div>
  );
};
