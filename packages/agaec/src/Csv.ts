/**
 * The CSV format of a bulk import, for large communes registering many agents at once: one agent
 * per row, a header row naming the columns below, `;` or `,` as separator (spreadsheets in France
 * export `;`). Lists inside a cell (given names, rights) are separated by `|`. The registrar attests
 * that each identity was checked face to face against the document described on the same row.
 */
import { Agent } from "@comedec/agent";
import { parse } from "csv-parse/sync";
import { Result, Schema, SchemaIssue } from "effect";
import type { RowError } from "./Directory.js";

/** The columns of the import file, in the order of the template. */
export const columns = [
  "birth_name",
  "used_name",
  "given_names",
  "sex",
  "birth_date",
  "birth_commune",
  "birth_country",
  "birth_city",
  "document_type",
  "document_number",
  "document_authority",
  "document_expires_on",
  "checked_by",
  "checked_on",
  "face_to_face",
  "email",
  "phone",
  "profile",
  "officer_basis",
  "arrete",
  "delegation_from",
  "delegation_until",
  "mayor_term_ends_on",
  "rights",
] as const;

type Row = Partial<Record<(typeof columns)[number], string>>;

const list = (cell: string | undefined) =>
  (cell ?? "")
    .split("|")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
const optional = <K extends string>(key: K, value: string | undefined) => (value === undefined || value === "" ? {} : ({ [key]: value } as Record<K, string>));
const yes = (cell: string | undefined) => ["oui", "yes", "true", "1"].includes((cell ?? "").trim().toLowerCase());

const basis = (row: Row) => {
  switch (row.officer_basis) {
    case "maire":
      return { _tag: "mayor" };
    case "adjoint":
      return { _tag: "deputy" };
    default:
      return { _tag: "delegation", arrete: row.arrete, from: row.delegation_from, until: row.delegation_until, mayorTermEndsOn: row.mayor_term_ends_on };
  }
};

/** The registration a row describes, before validation. */
const toRegistration = (row: Row, site: Agent.AgentSite): unknown => {
  const givenNames = list(row.given_names);
  return {
    identity: {
      birthName: row.birth_name,
      ...optional("usedName", row.used_name),
      givenNames,
      sex: row.sex,
      birthDate: row.birth_date,
      placeOfBirth: row.birth_commune ? { _tag: "commune", commune: row.birth_commune } : { _tag: "abroad", country: row.birth_country, city: row.birth_city },
    },
    document: {
      type: row.document_type,
      number: row.document_number,
      issuingAuthority: row.document_authority,
      expiresOn: row.document_expires_on,
      holder: { birthName: row.birth_name, givenNames, birthDate: row.birth_date },
      check: { by: row.checked_by, on: row.checked_on, faceToFace: yes(row.face_to_face) },
    },
    contact: { email: row.email, ...optional("phone", row.phone) },
    site,
    profile: row.profile === "officier" ? { _tag: "officer", basis: basis(row) } : { _tag: "agent" },
    rights: list(row.rights),
  };
};

const decode = Schema.decodeUnknownResult(Agent.Registration);
const formatter = SchemaIssue.makeFormatterDefault();

/** Parses and validates a file: each row's registration, or its error. Never throws. */
export const read = (csv: string, site: Agent.AgentSite): Result.Result<ReadonlyArray<Result.Result<Agent.Registration, RowError>>, RowError> => {
  let rows: ReadonlyArray<Row>;
  try {
    rows = parse(csv, { columns: true, delimiter: [";", ","], skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as ReadonlyArray<Row>;
  } catch (error) {
    return Result.fail({ row: 0, code: "malformed-csv", detail: error instanceof Error ? error.message : String(error) });
  }
  if (rows.length === 0) return Result.fail({ row: 0, code: "empty-csv", detail: "no data row" });
  const unknown = Object.keys(rows[0] as object).filter((column) => !(columns as ReadonlyArray<string>).includes(column));
  if (unknown.length > 0) return Result.fail({ row: 0, code: "unknown-columns", detail: `unknown columns: ${unknown.join(", ")}` });
  return Result.succeed(
    rows.map((row, index) => {
      const decoded = decode(toRegistration(row, site));
      return Result.isSuccess(decoded)
        ? Result.succeed(decoded.success)
        : Result.fail({ row: index + 1, code: "invalid-row", detail: formatter(decoded.failure.issue) as string });
    }),
  );
};
