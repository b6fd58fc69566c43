/**
 * The letter that carries a card's activation code to its holder, and nowhere else: ANTS's mail
 * room produces it once, as a PDF to print and post to the named holder at their mairie (or
 * prefecture). The code in clear is taken from the store and erased there in one transaction, so
 * from then on it exists only as its hash; the site is told that the letter was produced and when.
 * RGS 3* (§6.4.1 of annex A2): the activation data reach the holder only.
 */
import { ActivationLetterUnavailable, type Card, CardNotifications, CardSecrets } from "@comedec/card";
import { CalendarDate, CommuneDirectory, type InseeCode } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import { inflateSync } from "node:zlib";
import { PDFDocument, type PDFFont, StandardFonts } from "pdf-lib";
import { cardLabel } from "./ActivationCodes.js";
import * as Reach from "./Reach.js";
import * as Writes from "./Writes.js";

/** Who the letter goes to and what it says. */
export interface Letter {
  /** The address block, first line the holder's name. */
  readonly address: ReadonlyArray<string>;
  readonly salutation: string;
  readonly serial: string;
  readonly code: string;
  readonly expiresOn: string;
  readonly producedOn: string;
}

// The standard fonts encode WinAnsi: a letter of a name outside it is printed without its accent.
const winAnsiExtras = "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac";
const printable = (text: string): string =>
  [...text]
    .map((char) =>
      char.charCodeAt(0) <= 0xff || winAnsiExtras.includes(char)
        ? char
        : char
            .normalize("NFD")
            .replace(/[\u0300-\u036f]/g, "")
            .replace(/[^\u0020-\u00ff]/g, "?"),
    )
    .join("");

/** Renders the letter: one A4 page, in French. */
export const render = (letter: Letter): Promise<Uint8Array> =>
  (async () => {
    const pdf = await PDFDocument.create();
    pdf.setTitle("COMEDEC — code d'activation de votre carte agent");
    pdf.setAuthor("ANTS — plateforme COMEDEC");
    pdf.setLanguage("fr-FR");
    const page = pdf.addPage([595.28, 841.89]);
    const regular = await pdf.embedFont(StandardFonts.Helvetica);
    const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
    const mono = await pdf.embedFont(StandardFonts.CourierBold);
    let y = 790;
    const line = (text: string, options: { readonly font?: PDFFont; readonly size?: number; readonly x?: number; readonly after?: number } = {}) => {
      const size = options.size ?? 11;
      page.drawText(printable(text), { x: options.x ?? 60, y, size, font: options.font ?? regular });
      y -= options.after ?? size * 1.45;
    };
    line("Agence nationale des titres sécurisés (ANTS)", { font: bold });
    line("Plateforme COMEDEC — gestion des cartes agents", { after: 40 });
    for (const [index, text] of letter.address.entries()) line(text, { x: 320, font: index === 0 ? bold : regular });
    y -= 30;
    line(`Le ${letter.producedOn}`, { x: 320, after: 30 });
    line("Objet : code d'activation de votre carte agent COMEDEC — strictement personnel", { font: bold, after: 28 });
    line(letter.salutation, { after: 22 });
    line(`Votre carte agent COMEDEC (numéro de série ${letter.serial}) a été expédiée à votre service.`);
    line("Elle vous sera remise en personne. Pour la recevoir et l'activer, présentez-vous avec :", { after: 22 });
    line("•  la pièce d'identité en cours de validité présentée lors de votre enregistrement ;", { x: 75 });
    line(`•  le code d'activation ci-dessous, avant le ${letter.expiresOn} ;`, { x: 75 });
    line("•  la convocation de votre mairie ou de votre préfecture, si vous en avez reçu une.", { x: 75, after: 30 });
    line(`Code d'activation : ${letter.code}`, { font: mono, size: 15, x: 75, after: 34 });
    line("Lors de la remise, vous choisirez vous-même le code PIN de votre carte.");
    line("Ce code d'activation n'est envoyé qu'à vous, par ce seul courrier : ne le communiquez à personne,");
    line("ni par téléphone ni par messagerie. S'il est perdu ou s'il a expiré, un nouveau code doit être émis.", { after: 28 });
    line("Nous vous prions d'agréer l'expression de nos salutations distinguées.");
    line("Le service de gestion des cartes agents de l'ANTS");
    return pdf.save();
  })();

/** The holder's salutation and address block, from the directory: name, service, commune, département. */
const addressOf = Effect.fnUntraced(function* (card: Card.State) {
  // A letter goes to an active holder only: a deactivated or deleted one is not handed a card.
  const holder = yield* Reach.activeHolder(card.holder);
  const identity = holder.identity;
  const civility = identity === undefined ? "" : identity.sex === "F" ? "Madame " : "Monsieur ";
  const name =
    identity === undefined ? card.holder : `${civility}${identity.givenNames[0] ?? ""} ${(identity.usedName ?? identity.birthName).toUpperCase()}`.trim();
  const salutation = identity === undefined ? "Madame, Monsieur," : identity.sex === "F" ? "Madame," : "Monsieur,";
  // ANTS's own administrators receive theirs at the agency (DOMAIN.md §3, its address for the conventions).
  if (card.site._tag === "national") {
    return { salutation, address: [name, "ANTS — niveau national", "À remettre en main propre", "101-103 rue de Tolbiac, 75013 Paris"] };
  }
  if (card.site._tag === "prefecture") {
    return { salutation, address: [name, `Préfecture du département ${card.site.departement}`, "Service en charge de l'état civil"] };
  }
  const code = card.site.commune as InseeCode.InseeCode;
  const found = yield* Effect.option((yield* CommuneDirectory).find(code));
  const commune = found._tag === "Some" ? found.value.commune : undefined;
  return {
    salutation,
    address: [
      name,
      `Mairie de ${commune?.name ?? code}`,
      "Service de l'état civil — à remettre en main propre",
      commune === undefined ? `Commune ${code}` : `${commune.name} (commune ${code}, département ${commune.departement})`,
    ],
  };
});

/**
 * ANTS's mail room: the card's activation letter, once. A second request, or one for a card with
 * no code waiting, is refused with `activation-letter-unavailable`.
 */
export const produce = Effect.fn("ActivationLetters.produce")(function* (grant: Access.Grant<"card.produce">, id: string) {
  yield* Access.require(grant, "card.produce");
  const view = yield* Reach.loadCard(grant, id);
  const secrets = yield* CardSecrets;
  const { salutation, address } = yield* addressOf(view.state);
  const taken = yield* secrets.takeForLetter(id, grant.actor);
  if (taken === undefined) {
    const stored = yield* secrets.code(id);
    return yield* new ActivationLetterUnavailable({
      card: id,
      ...(stored?.letterProducedAt === undefined
        ? {
            reason:
              stored === undefined ? "no activation code was issued for this card" : "the code was issued before letters existed: a new code must be issued",
          }
        : { reason: "the letter was already produced: its code exists only as its hash", producedAt: stored.letterProducedAt.toISOString() }),
    });
  }
  const producedAt = yield* Writes.now;
  const pdf = yield* Effect.promise(() =>
    render({
      address,
      salutation,
      serial: view.state.serial ?? id,
      code: taken.code,
      expiresOn: CalendarDate.ofInstant(taken.expiresAt),
      producedOn: CalendarDate.ofInstant(producedAt),
    }),
  );
  yield* (yield* CardNotifications).send({
    site: view.state.site,
    // The holder, whose letter it announces, and the operators who will hand the card over.
    recipients: { agents: [view.state.holder], operators: true },
    kind: "activation-code",
    subject: "COMEDEC — lettre du code d'activation produite",
    body: [
      `${cardLabel(view.state)}.`,
      `La lettre portant le code d'activation a été produite par l'ANTS le ${producedAt.toISOString()}, adressée à ${address.slice(0, 2).join(", ")}.`,
      "Elle est postée à l'attention du titulaire, qui la présente à la remise de la carte ; le code ne figure nulle part ailleurs.",
    ].join("\n"),
  });
  return pdf;
});

const winAnsiPunctuation: Readonly<Record<string, string>> = {
  "\x91": "\u2018",
  "\x92": "\u2019",
  "\x93": "\u201c",
  "\x94": "\u201d",
  "\x96": "\u2013",
  "\x97": "\u2014",
};

/**
 * The text of a letter this module rendered, line by line: its content streams inflated and their
 * strings read back. For the mail room's check of what it prints, and for tests that must get the
 * code the way its holder does.
 */
export const textOf = (pdf: Uint8Array): ReadonlyArray<string> => {
  const raw = Buffer.from(pdf).toString("latin1");
  const lines: Array<string> = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)(\r?)\nendstream/g)) {
    // A compressed stream may itself end with a CR byte, which the end-of-line before `endstream`
    // then seems to take: try the data with it too before reading the stream as plain text.
    const data = match[1] ?? "";
    const candidates = match[2] === "\r" ? [data, `${data}\r`] : [data];
    let content = data;
    for (const candidate of candidates) {
      try {
        content = inflateSync(Buffer.from(candidate, "latin1")).toString("latin1");
        break;
      } catch {
        // not this one
      }
    }
    for (const text of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) {
      lines.push(
        Buffer.from(text[1] ?? "", "hex")
          .toString("latin1")
          .replace(/[\x91-\x97]/g, (char) => winAnsiPunctuation[char] ?? char),
      );
    }
  }
  return lines;
};

/** The activation code a letter carries, as printed. */
export const codeOf = (pdf: Uint8Array): string | undefined =>
  textOf(pdf)
    .map((line) => /^Code d'activation : ([0-9A-Z-]+)$/.exec(line)?.[1])
    .find((code) => code !== undefined);
