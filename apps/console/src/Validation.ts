/**
 * Forms are checked in the page by the very Schemas the API validates with (imported from the
 * domain packages and the contract), before anything is sent: each failing field gets a French
 * message under it, by its path in the value.
 */
import { Schema } from "effect";

/** The fields in error, by path (`identity.birthName`), each with its French message. */
export type FieldErrors = Readonly<Record<string, string>>;

/** The value decoded by `schema`, or the fields in error. */
export const validate = <S extends Schema.Top>(
  schema: S,
  value: unknown,
  labels: Readonly<Record<string, string>>,
): { readonly ok: true; readonly value: S["Type"] } | { readonly ok: false; readonly errors: FieldErrors } => {
  const standard = Schema.toStandardSchemaV1(schema as unknown as Schema.Codec<S["Type"], unknown>);
  const result = standard["~standard"].validate(value);
  if (result instanceof Promise) throw new Error("an asynchronous Schema in a form");
  if (result.issues === undefined) return { ok: true, value: result.value as S["Type"] };
  const errors: Record<string, string> = {};
  for (const issue of result.issues) {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment));
    // The field is the longest labelled prefix of the path (a given name's index points at its field).
    let key = path.join(".");
    while (key !== "" && labels[key] === undefined) key = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "";
    const label = labels[key] ?? "Formulaire";
    errors[key] ??= `${label} : valeur non valide${issue.message.length > 0 && !/^Expected/.test(issue.message) ? ` (${issue.message})` : ""}.`;
  }
  return { ok: false, errors };
};

/** Today, as a calendar date (YYYY-MM-DD) of the workstation's time zone. */
export const today = (): string => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
};

/** A date in French (3 février 2027). */
export const frenchDate = (date: string | Date): string =>
  new Date(typeof date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T12:00:00` : date).toLocaleDateString("fr-FR", {
    day: "numeric",
    month: "long",
    year: "numeric",
  });
