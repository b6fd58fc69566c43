/**
 * The national operator (ANTS) in Chromium, against the built API and card agent, each a separate
 * process: Villeurbanne's mairie has made its online adhesion and submitted its CARTES and COMEDEC
 * conventions (and a third by mistake), and the prefecture of the Rhône has ordered its first two
 * cards — all through the API, as they would. ANTS signs in with a bootstrap token the command line
 * issued, finds the conventions in its queue, records the receipt of the first by post (one copy
 * refused as incomplete, then two), of the second by e-mail, validates both, rejects the third with
 * a reason after a confirmation; opens the commune's file, records the conventions received with
 * their evidence (checked in the page first), triggers the connection — readers shipped, the first
 * cards' codes sent — and the file shows each milestone with who recorded it, when and on what
 * evidence; a milestone out of order is refused in French; it adds an editor to the compatible list.
 * A commune operator's console offers none of these screens, not even by the URL's fragment. axe
 * finds no serious or critical violation on any screen; the pages request nothing but the
 * platform and the agent.
 */
import { mkdirSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, chromiumPath, expectAccessible, feedback, launchFlags, present } from "./Chromium.js";
import * as Platform from "./Platform.js";

const heading = (page: Page) => page.locator("main h1").textContent();
const menu = (page: Page) => page.locator("header nav a").allTextContents();

const commune = "69266";
const today = new Date().toISOString().slice(0, 10);
const ansScreens = ["Conventions", "Dossiers des communes", "Éditeurs compatibles"];

/** A person of the mairie, registered face to face at the prefecture. */
const person = (birthName: string, givenName: string, sex: "F" | "M", number: string) => ({
  identity: { birthName, givenNames: [givenName], sex, birthDate: "1979-06-14", placeOfBirth: { _tag: "commune", commune } },
  document: {
    type: "carte-nationale-identite",
    number,
    issuingAuthority: "Préfecture du Rhône",
    expiresOn: "2033-01-01",
    holder: { birthName: birthName.toUpperCase(), givenNames: [givenName], birthDate: "1979-06-14" },
    check: { by: "pref-69", on: today, faceToFace: true },
  },
  contact: { email: `${givenName.toLowerCase()}.${birthName.toLowerCase()}@mairie-villeurbanne.example` },
  site: { _tag: "commune", commune },
  profile: { _tag: "officer", basis: { _tag: "deputy" } },
  rights: ["receive-requests", "sign-responses", "operate-cards"],
});

describe.skipIf(!present)("the national operator (ANTS) in Chromium: conventions, a commune's file, the editors", () => {
  let platform: Platform.Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let antsToken = "";
  let mairieToken = "";
  const conventions: Record<"CARTES" | "COMEDEC" | "duplicate", string> = { CARTES: "", COMEDEC: "", duplicate: "" };
  const foreign: Array<string> = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    platform = await Platform.start({ demo: false });
    antsToken = platform.issue("national-administrator", "national", "Claire Vidal (ANTS)");
    mairieToken = platform.issue("commune-operator", `commune:${commune}`, "Responsable carte de Villeurbanne");
    const prefectureToken = platform.issue("prefecture-operator", "prefecture:69", "Préfecture du Rhône");
    const ok = async (token: string, method: string, path: string, body?: unknown) => {
      const answered = await platform.api(token, method, path, body);
      if (answered.status >= 300) throw new Error(`${method} ${path}: ${answered.status} ${JSON.stringify(answered.body)}`);
      return answered.body as { readonly id: string };
    };
    // The mairie: its online adhesion, then its two conventions signed by the mayor (and one sent twice by mistake).
    await ok(mairieToken, "POST", `/communes/${commune}/onboarding/milestones`, {
      evidence: { milestone: "adhesion", reference: "formulaire d'adhésion en ligne n° 2017-0421" },
    });
    const terms = (kind: string) => ({
      kind,
      signatory: { name: "Jean-Paul Bret", quality: "maire" },
      signedOn: today,
      responsableCarte: { name: "Alice Roux", email: "alice.roux@mairie-villeurbanne.example" },
      delegue: { name: "Bruno Faure", email: "bruno.faure@mairie-villeurbanne.example" },
    });
    conventions.CARTES = (await ok(mairieToken, "POST", `/communes/${commune}/conventions`, terms("CARTES"))).id;
    conventions.COMEDEC = (await ok(mairieToken, "POST", `/communes/${commune}/conventions`, terms("COMEDEC"))).id;
    conventions.duplicate = (await ok(mairieToken, "POST", `/communes/${commune}/conventions`, terms("CARTES"))).id;
    // The prefecture: the responsable carte and the délégué registered, their first two cards ordered.
    const alice = (await ok(prefectureToken, "POST", "/agents", person("Roux", "Alice", "F", "VR1234567"))).id;
    const bruno = (await ok(prefectureToken, "POST", "/agents", person("Faure", "Bruno", "M", "VF7654321"))).id;
    await ok(prefectureToken, "POST", "/cards", { holder: alice, firstCard: "responsable-carte", reason: "première carte de la commune" });
    await ok(prefectureToken, "POST", "/cards", { holder: bruno, firstCard: "delegue", reason: "première carte de la commune" });

    browser = await chromium.launch({ executablePath: chromiumPath, args: launchFlags });
    context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    context.on("request", (request) => {
      const origin = new URL(request.url()).origin;
      if (origin !== platform.base && origin !== platform.agentUrl && !request.url().startsWith("data:")) foreign.push(request.url());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it("signs ANTS in with its bootstrap token; the menu offers its screens", async () => {
    await page.goto(`${platform.base}/console`);
    await page.getByLabel("Jeton d'amorçage").fill(antsToken);
    await page.getByLabel("Jeton d'amorçage").press("Enter");
    await expect.poll(() => page.getByTestId("session").textContent()).toContain("Claire Vidal (ANTS) (administrateur national, niveau national)");
    const offered = await menu(page);
    for (const screen of ansScreens) expect(offered).toContain(screen);
  });

  it("finds the conventions in its queue and records the receipt of each: by post in two copies, by e-mail", async () => {
    await page.getByRole("link", { name: "Conventions", exact: true }).click();
    await expect.poll(() => heading(page)).toBe("Conventions des communes");
    const queue = page.getByTestId("queue");
    await expect.poll(() => queue.locator("tbody tr").count()).toBe(3);
    expect(await queue.locator("tbody tr").first().textContent()).toContain("Villeurbanne (69266)");
    await expectAccessible(page, "conventions (file d'attente)");

    // CARTES, by post: one signed copy leaves it incomplete, the second makes it received.
    await page.getByTestId(`convention-${conventions.CARTES}`).getByRole("button", { name: "Traiter" }).click();
    const panel = page.getByTestId("convention-panel");
    await expect.poll(() => panel.locator("h2").textContent()).toBe("Convention CARTES de Villeurbanne (69266)");
    await panel.getByLabel("Voie de réception").selectOption("post");
    await panel.getByLabel("Nombre d'exemplaires signés reçus").fill("1");
    await panel.getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect
      .poll(() => feedback(page).textContent())
      .toContain("reste incomplète : une convention envoyée par courrier doit parvenir en deux exemplaires signés");
    await expectAccessible(page, "réception incomplète");
    await page.getByTestId("convention-panel").getByLabel("Nombre d'exemplaires signés reçus").fill("2");
    await page.getByTestId("convention-panel").getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Réception enregistrée : la convention CARTES de Villeurbanne (69266) est reçue");
    await page.getByTestId("convention-panel").getByRole("button", { name: "Valider la convention" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("est validée.");
    // Validated, it leaves the conventions to process.
    await expect.poll(() => page.getByTestId(`convention-${conventions.CARTES}`).count()).toBe(0);

    // COMEDEC, by e-mail: one copy is enough.
    await page.getByTestId(`convention-${conventions.COMEDEC}`).getByRole("button", { name: "Traiter" }).click();
    await expect.poll(() => page.getByTestId("convention-panel").locator("h2").textContent()).toBe("Convention COMEDEC de Villeurbanne (69266)");
    await page.getByTestId("convention-panel").getByLabel("Voie de réception").selectOption("email");
    expect(await page.getByTestId("convention-panel").getByLabel("Nombre d'exemplaires signés reçus").count()).toBe(0);
    await page.getByTestId("convention-panel").getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("est reçue, elle peut être validée");
    await page.getByTestId("convention-panel").getByRole("button", { name: "Valider la convention" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("La convention COMEDEC de Villeurbanne (69266) est validée.");
    const record = (await platform.api(antsToken, "GET", `/conventions/${conventions.COMEDEC}`)).body as { status: string; receipt: { channel: string } };
    expect({ status: record.status, channel: record.receipt.channel }).toEqual({ status: "validated", channel: "email" });
  });

  it("rejects the duplicate with a reason, only once confirmed; the queue's empty state follows", async () => {
    await page.getByTestId(`convention-${conventions.duplicate}`).getByRole("button", { name: "Traiter" }).click();
    const panel = page.getByTestId("convention-panel");
    await panel.getByRole("button", { name: "Rejeter la convention" }).click();
    // The box says what happens; cancelling leaves the convention as it was.
    await expect.poll(() => panel.locator("legend").textContent()).toContain("La mairie devra en déposer une nouvelle.");
    await expectAccessible(page, "confirmation du rejet");
    await panel.getByRole("button", { name: "Annuler" }).click();
    expect(((await platform.api(antsToken, "GET", `/conventions/${conventions.duplicate}`)).body as { status: string }).status).toBe("incomplete");
    await panel.getByRole("button", { name: "Rejeter la convention" }).click();
    await panel.getByLabel(/Motif du rejet/).fill("convention CARTES déjà reçue : doublon");
    await panel.getByRole("button", { name: "Confirmer le rejet" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("est rejetée : convention CARTES déjà reçue : doublon.");
    const rejected = (await platform.api(antsToken, "GET", `/conventions/${conventions.duplicate}`)).body as { status: string; reasons: Array<string> };
    expect(rejected).toMatchObject({ status: "rejected", reasons: ["convention CARTES déjà reçue : doublon"] });
    // Nothing is left to process.
    await expect.poll(() => page.getByTestId("empty").textContent()).toContain("Aucune convention ne correspond à ce filtre.");
    await page.getByLabel("Conventions", { exact: true }).selectOption("validated");
    await page.getByRole("button", { name: "Afficher" }).click();
    await expect.poll(() => page.getByTestId("queue").locator("tbody tr").count()).toBe(2);
    await expectAccessible(page, "conventions validées");
    await page.screenshot({ path: `${artifacts}conventions.png`, fullPage: true });
  });

  it("opens the commune's file, records the conventions received with their evidence, triggers the connection, and the file shows it", async () => {
    await page.getByRole("link", { name: "Dossiers des communes" }).click();
    await expect.poll(() => heading(page)).toBe("Dossiers des communes");
    await page.getByLabel("Nom ou code INSEE de la commune").fill("Villeurbanne");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await page
      .getByTestId("communes")
      .getByRole("row", { name: /Villeurbanne \(69266\)/ })
      .getByRole("button", { name: "Ouvrir le dossier" })
      .click();
    const file = page.getByTestId("commune-file");
    await expect.poll(() => file.locator("h2").first().textContent()).toBe("Dossier de raccordement de Villeurbanne (69266)");
    await expect
      .poll(() => file.getByTestId("file-next").textContent())
      .toContain("Conventions CARTES et COMEDEC reçues par l'ANTS — à faire par l'opérateur national (ANTS)");
    expect(await file.getByTestId("file-blocked").textContent()).toContain(
      "Raccordement déclenché (lecteurs puis codes d'activation) attend : Conventions CARTES et COMEDEC reçues par l'ANTS",
    );
    expect(await file.getByTestId("file-timeline").textContent()).toContain("Étape franchie : Adhésion en ligne");
    expect(await file.getByTestId("file-timeline").textContent()).toContain("Responsable carte de Villeurbanne");
    expect(await file.getByTestId("file-conventions").textContent()).toContain("Convention COMEDEC");
    await expectAccessible(page, "dossier de la commune");

    // The evidence is checked in the page first: no reference, nothing sent.
    const form = page.getByRole("form", { name: "Enregistrement d'une étape de l'ANTS" });
    expect(await form.getByLabel("Étape").inputValue()).toBe("conventionsReceived");
    expect(await form.getByRole("checkbox").count()).toBe(2);
    await form.getByRole("button", { name: "Enregistrer l'étape" }).click();
    await expect.poll(() => form.getByText("Référence de la pièce justificative : valeur non valide").count()).toBe(1);
    await expectAccessible(page, "étape (erreurs)");
    await form.getByLabel("Référence de la pièce justificative").fill("Courrier ANTS n° 2017-118");
    await form.getByRole("button", { name: "Enregistrer l'étape" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Étape enregistrée : Conventions CARTES et COMEDEC reçues par l'ANTS.");
    await expect.poll(() => file.getByTestId("file-done").textContent()).toContain("Conventions CARTES et COMEDEC reçues par l'ANTS");
    expect(await file.getByTestId("file-timeline").textContent()).toContain("Référence : Courrier ANTS n° 2017-118 — 2 conventions validées");
    expect(await file.getByTestId("file-next").textContent()).toContain(
      "Raccordement déclenché (lecteurs puis codes d'activation) — à faire par l'opérateur national (ANTS)",
    );

    // The connection triggered through the platform's operation: the readers, then the first two cards' codes.
    const trigger = page.getByRole("form", { name: "Déclenchement du raccordement" });
    await trigger.getByLabel("Motif du déclenchement").fill("conventions validées, lecteurs disponibles");
    await trigger.getByRole("button", { name: "Déclencher le raccordement" }).click();
    await expect
      .poll(() => feedback(page).textContent())
      .toContain("Raccordement déclenché : lecteurs de cartes expédiés, 2 codes d'activation envoyés à la mairie.");
    await expect.poll(() => file.getByTestId("file-done").textContent()).toContain("Raccordement déclenché (lecteurs puis codes d'activation)");
    expect(await page.getByRole("form", { name: "Déclenchement du raccordement" }).count()).toBe(0);
    const timeline = (await file.getByTestId("file-timeline").locator("tbody tr").first().textContent()) ?? "";
    expect(timeline).toContain("Étape franchie : Raccordement déclenché");
    expect(timeline).toContain("Claire Vidal (ANTS)");
    expect(timeline).toContain("Lecteurs de cartes expédiés, puis codes d'activation envoyés à la mairie. conventions validées, lecteurs disponibles");
    const status = (await platform.api(antsToken, "GET", `/communes/${commune}/onboarding`)).body as { status: { done: Array<{ milestone: string }> } };
    expect(status.status.done.map((entry) => entry.milestone)).toEqual(["adhesion", "conventionsReceived", "connectionTriggered"]);

    // The connection confirmed before its date is chosen: refused, in French, and nothing recorded.
    await page.getByRole("form", { name: "Enregistrement d'une étape de l'ANTS" }).getByLabel("Étape").selectOption("connected");
    // The page says what it waits for; the platform refuses it all the same if sent.
    await expect
      .poll(() => page.getByTestId("milestone-waiting").textContent())
      .toBe("Cette étape attend encore : Date de raccordement choisie et communiquée.");
    await page
      .getByRole("form", { name: "Enregistrement d'une étape de l'ANTS" })
      .getByLabel("Référence de la pièce justificative")
      .fill("courriel du 3 décembre");
    await page.getByRole("form", { name: "Enregistrement d'une étape de l'ANTS" }).getByRole("button", { name: "Enregistrer l'étape" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Une étape préalable manque. (milestone-prerequisite-missing)");
    await expectAccessible(page, "dossier après déclenchement");
    await page.screenshot({ path: `${artifacts}dossier-commune.png`, fullPage: true });
  });

  it("keeps the list of compatible editors", async () => {
    await page.getByRole("link", { name: "Éditeurs compatibles" }).click();
    await expect.poll(() => heading(page)).toBe("Éditeurs de logiciels d'état civil");
    await expect.poll(() => page.getByTestId("empty").textContent()).toContain("Aucun éditeur n'est encore sur la liste.");
    await page.getByRole("button", { name: "Ajouter un éditeur" }).click();
    await page.getByLabel("Identifiant").fill("Logiciel État Civil");
    await page.getByRole("button", { name: "Enregistrer l'éditeur" }).click();
    await expect.poll(() => page.getByText("Identifiant : valeur non valide").count()).toBe(1);
    await page.getByLabel("Identifiant").fill("logiciel-etat-civil");
    await page.getByLabel("Nom de l'éditeur").fill("Logiciel État Civil");
    await page.getByLabel("Adresse électronique de contact").fill("contact@logiciel-etat-civil.example");
    await page.getByRole("button", { name: "Enregistrer l'éditeur" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Logiciel État Civil est enregistré comme compatible.");
    await expect.poll(() => page.getByTestId("editors").locator("tbody tr").count()).toBe(1);
    await expectAccessible(page, "éditeurs");
    const listed = (await platform.api(mairieToken, "GET", "/editors")).body as { items: Array<{ id: string; compatible: boolean }> };
    expect(listed.items).toEqual([expect.objectContaining({ id: "logiciel-etat-civil", compatible: true })]);
    await page.screenshot({ path: `${artifacts}editeurs.png`, fullPage: true });
  });

  it("offers a commune operator none of ANTS's screens, not even by the URL's fragment; its own file shows the progress", async () => {
    const mairie = await (await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } })).newPage();
    await mairie.goto(`${platform.base}/console`);
    await mairie.getByLabel("Jeton d'amorçage").fill(mairieToken);
    await mairie.getByLabel("Jeton d'amorçage").press("Enter");
    await expect.poll(() => mairie.getByTestId("session").textContent()).toContain("responsable carte ou délégué, commune 69266");
    const offered = await menu(mairie);
    expect(offered).toContain("Dossier de la commune");
    for (const screen of ansScreens) expect(offered).not.toContain(screen);
    for (const fragment of ["conventions", "dossiers-communes", "editeurs"]) {
      // The fragment edited by hand: the console opens its first screen, nothing of ANTS's.
      await mairie.evaluate((wanted) => {
        window.location.hash = wanted;
      }, fragment);
      await expect.poll(() => mairie.evaluate(() => window.location.hash)).toBe(`#${fragment}`);
      await expect.poll(() => heading(mairie)).toBe("Agents du site");
      expect(await mairie.getByTestId("queue").count()).toBe(0);
      expect(await mairie.getByTestId("commune-file").count()).toBe(0);
      expect(await mairie.getByRole("button", { name: "Ajouter un éditeur" }).count()).toBe(0);
    }
    // Its own file, drawn by the same parts as ANTS's: the milestones ANTS recorded are there.
    await mairie.getByRole("link", { name: "Dossier de la commune" }).click();
    await expect.poll(() => mairie.getByTestId("file-done").textContent()).toContain("Raccordement déclenché (lecteurs puis codes d'activation)");
    await expectAccessible(mairie, "dossier de la mairie");
    await mairie.context().close();
    expect(foreign).toEqual([]);
  });
});
