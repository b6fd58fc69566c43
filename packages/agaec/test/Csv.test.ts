import { Result } from "effect";
import { describe, expect, it } from "vitest";
import { Csv } from "../src/index.js";

const site = { _tag: "commune", commune: "13055" } as const;
const header =
  "birth_name;given_names;sex;birth_date;birth_commune;document_type;document_number;document_authority;document_expires_on;checked_by;checked_on;face_to_face;email;profile;rights";
const row =
  "Müller;Anne|Sophie;F;1975-11-02;13055;carte-nationale-identite;AB1234567;Préfecture;2030-01-01;rc;2026-01-05;oui;anne@mairie.fr;agent;receive-requests";

const rows = (csv: string) => {
  const parsed = Csv.read(csv, site as never);
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.code);
  return parsed.success;
};

describe("the CSV import format", () => {
  it("reads a row into a registration: given names in order, rights as a list, the document holder from the identity", () => {
    const [first] = rows(`${header}\n${row}`);
    expect(Result.isSuccess(first as never)).toBe(true);
    const registration = (first as Result.Success<any, never>).success;
    expect(registration.identity.givenNames).toEqual(["Anne", "Sophie"]);
    expect(registration.rights).toEqual(["receive-requests"]);
    expect(registration.document.holder).toEqual({ birthName: "Müller", givenNames: ["Anne", "Sophie"], birthDate: "1975-11-02" });
    expect(registration.document.check.faceToFace).toBe(true);
    expect(registration.site).toEqual(site);
  });

  it("accepts commas, a byte-order mark and quoted cells, as spreadsheets export them", () => {
    const comma = `\uFEFF${header.replaceAll(";", ",")}\n${row.replaceAll(";", ",").replace("Préfecture", '"Préfecture, Marseille"')}`;
    const [first] = rows(comma);
    expect(Result.isSuccess(first as never)).toBe(true);
  });

  it("reports each invalid row by number with the reason, and refuses unknown columns or an empty file", () => {
    const parsed = rows(`${header}\n${row}\n${row.replace("1975-11-02", "1975-02-30")}\nMüller;Anne`);
    expect(parsed.map((entry) => (Result.isFailure(entry) ? entry.failure.row : "ok"))).toEqual(["ok", 2, 3]);
    const failure = (csv: string) => {
      const result = Csv.read(csv, site as never);
      return Result.isFailure(result) ? result.failure.code : "ok";
    };
    expect(failure(`${header};salary\n${row};1`)).toBe("unknown-columns");
    expect(failure(header)).toBe("empty-csv");
    expect(failure(`${header}\n"unterminated;quote`)).toBe("malformed-csv");
  });
});
