/**
 * The prefecture's and the auditor's consoles in Chromium, against the built API and a card agent
 * on the simulator's virtual cards, each a separate process. On the new platform, no CRL yet, the
 * auditor sees that deadline late. A prefecture operator of the Rhône
 * signs in (a bootstrap token from the operator's command line), sees the communes of its
 * département only — paged, searched, each with its stage —, opens Villeurbanne, registers its
 * responsable carte and its délégué face to face, orders their first two cards; ANTS triggers the
 * connection, sets the appointment, makes and ships the responsable carte's card; the prefecture
 * records its receipt, a second operator of the prefecture approves it from his own session (the
 * prefecture never personalises a card alone), and the first hands it over at the desk through the
 * card agent, the holder typing her PIN there; the appointments of the département show it done;
 * the new card signs in as Villeurbanne's responsable carte, who then activates the délégué's
 * first card (approved by the prefecture) at the mairie, the commune then autonomous. Editing the
 * URL shows the prefecture nothing outside its screens. Then the auditor signs in: the trail verified and said intact, a
 * kept copy of the published checkpoints compared (a tampered one refused at its position), a
 * site's trail exported with its proofs, the RGS deadlines each with its state; its menu is the
 * three read-only screens, and editing the URL to another role's screen shows nothing of it. axe
 * finds no serious or critical violation on any screen; screenshots are kept in test-artifacts/.
 */
import { ActivationLetters } from "@comedec/pgca";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, chromiumPath, expectAccessible, feedback, launchFlags, present, shoot } from "./Chromium.js";
import * as Platform from "./Platform.js";

const heading = (page: Page) => page.locator("main h1");
const today = new Date().toISOString().slice(0, 10);

/** Villeurbanne: a commune of the Rhône whose first cards are still to come. */
const commune = { code: "69266", name: "Villeurbanne" };
const responsable = {
  birthName: "Garnier",
  givenNames: "Sophie",
  birthDate: "1984-04-17",
  document: "SG4455667",
  email: "sophie.garnier@mairie-69266.example",
};
const delegue = { birthName: "Benali", givenNames: "Karim", birthDate: "1979-11-02", document: "KB9988776", email: "karim.benali@mairie-69266.example" };

describe.skipIf(!present)("the prefecture's and the auditor's consoles in Chromium, with the API and a card agent", () => {
  let platform: Platform.Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cardId = "";
  let serial = "";
  // The prefecture's two operators, and the responsable carte's session once she holds her card.
  const prefectureTokens = { first: "", second: "" };
  let mairie: BrowserContext | undefined;

  /** Signs in with a bootstrap token in a page of its own context, the workstation's agent named first. */
  const signInWithToken = async (target: Page, token: string, fragment = "") => {
    await target.goto(`${platform.base}/console${fragment}`);
    await target.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
    await target.getByLabel("Jeton d'amorçage").fill(token);
    await target.getByRole("button", { name: "Se connecter avec le jeton" }).click();
    await expect.poll(() => target.getByTestId("session").textContent()).toContain("avec un jeton d'amorçage");
  };

  /** Opens Villeurbanne's first cards from the list of the département, on one of its two parts. */
  const openCommune = async (target: Page, part: "Titulaires : responsable carte et délégué" | "Les deux premières cartes") => {
    // From a commune's page too, the menu's link brings the list back.
    await target.getByRole("link", { name: "Communes du département" }).click();
    await target.getByLabel("Nom de la commune").fill(commune.name);
    await target.getByRole("button", { name: "Rechercher" }).click();
    await expect.poll(() => target.getByTestId("communes").locator("tbody tr").count()).toBe(1);
    await target.getByRole("button", { name: "Ouvrir" }).click();
    await expect.poll(() => heading(target).textContent()).toBe(`${commune.name} (${commune.code}) : premières cartes`);
    await target.getByRole("button", { name: part }).click();
  };

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    platform = await Platform.start();
    browser = await chromium.launch({ executablePath: chromiumPath, args: launchFlags });
    context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // ANTS has the commune's adhesion and both conventions (its own console is another issue): the platform's routes.
    const ants = platform.adminToken;
    const ok = async (method: string, path: string, body?: unknown) => {
      const answer = await platform.api(ants, method, path, body);
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body as Record<string, unknown>;
    };
    await ok("POST", `/communes/${commune.code}/onboarding/milestones`, { evidence: { milestone: "adhesion", reference: "formulaire en ligne" } });
    const conventions: Array<string> = [];
    for (const kind of ["CARTES", "COMEDEC"]) {
      const submitted = await ok("POST", `/communes/${commune.code}/conventions`, {
        kind,
        signatory: { name: "Le maire", quality: "maire" },
        signedOn: today,
        responsableCarte: { name: "Sophie Garnier", email: responsable.email },
        delegue: { name: "Karim Benali", email: delegue.email },
      });
      await ok("POST", `/conventions/${submitted.id}/receipt`, { receipt: { channel: "email", copies: 1, receivedOn: today } });
      await ok("POST", `/conventions/${submitted.id}/validation`, {});
      conventions.push(submitted.id as string);
    }
    await ok("POST", `/communes/${commune.code}/onboarding/milestones`, { evidence: { milestone: "conventionsReceived", reference: "courriel", conventions } });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it("shows the auditor, on a platform that never published a CRL, that deadline late, said plainly", async () => {
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const early = await other.newPage();
      const token = platform.issue("auditor", "national", "Inès Moreau");
      // The revocations' reconciliation (every ten minutes of the clock) publishes a first CRL: when
      // it ran during the set-up, the page must say that one is within its deadline instead.
      const { crl } = (await platform.api(token, "GET", "/monitoring/deadlines")).body as { readonly crl: unknown };
      await signInWithToken(early, token, "#delais-rgs");
      await expect.poll(() => heading(early).textContent()).toBe("Délais RGS");
      if (crl === null) {
        await expect.poll(() => early.getByTestId("deadline-crl").textContent()).toContain("En retardAucune LCR n'a encore été publiée.");
        await expect.poll(() => early.getByTestId("breaches").textContent()).toContain("Liste de révocation absente ou publiée il y a plus de 24 heures");
      } else {
        await expect.poll(() => early.getByTestId("deadline-crl").textContent()).toMatch(/Dans le délaiLCR n° \d+ publiée le /);
      }
      await expectAccessible(early, "délais RGS (LCR en retard)");
    } finally {
      await other.close();
    }
  });

  it("signs the prefecture operator in and shows the communes of its département only, paged and searched, each with its stage", async () => {
    prefectureTokens.first = platform.issue("prefecture-operator", "prefecture:69", "Claire Lefèvre");
    await signInWithToken(page, prefectureTokens.first);
    expect(await page.getByTestId("session").textContent()).toContain("Claire Lefèvre (opérateur de préfecture, préfecture 69)");
    await expect.poll(() => heading(page).textContent()).toBe("Communes du département 69");
    const rows = page.getByTestId("communes").locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(10);
    const codes = async () => (await rows.locator("td:first-child").allTextContents()).map((text) => /\((\w{5})\)/.exec(text)?.[1]);
    expect((await codes()).every((code) => code?.startsWith("69"))).toBe(true);
    await expectAccessible(page, "communes du département");
    const first = await codes();
    await page.getByRole("button", { name: "Page suivante" }).click();
    await expect.poll(async () => (await codes())[0]).not.toBe(first[0]);
    expect((await codes()).every((code) => code?.startsWith("69"))).toBe(true);
    // Another département's commune is not found, even by its name.
    await page.getByLabel("Nom de la commune").fill("Marseille");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await expect.poll(() => page.getByTestId("no-communes").count()).toBe(1);
    // Lyon, the demo's, has its first cards handed over; Villeurbanne waits for the connection.
    await page.getByLabel("Nom de la commune").fill("Lyon");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Lyon \(69123\)/ }).textContent()).toContain("carte du responsable carte remise");
    await page.getByLabel("Nom de la commune").fill(commune.name);
    await page.getByRole("button", { name: "Rechercher" }).click();
    await expect
      .poll(() => page.getByRole("row", { name: /Villeurbanne \(69266\)/ }).textContent())
      .toMatch(/Conventions CARTES et COMEDEC reçues par l'ANTS.*raccordement non déclenché/);
  });

  it("registers the commune's responsable carte and délégué face to face, with their document checked", async () => {
    await openCommune(page, "Titulaires : responsable carte et délégué");
    await expect.poll(() => page.getByTestId("commune-stage").textContent()).toContain("Prochaine étape : Raccordement déclenché");
    await expect.poll(() => page.getByTestId("empty").count()).toBe(1);
    for (const person of [responsable, delegue]) {
      await page.getByRole("button", { name: "Enregistrer un agent", exact: true }).click();
      // The form (the record of the agent just registered stays open under it).
      const form = page.getByRole("form", { name: `Enregistrer un agent de ${commune.name}` });
      await form.getByLabel("Nom de naissance").fill(person.birthName);
      await form.getByLabel("Prénoms").fill(person.givenNames);
      await form.getByLabel("Date de naissance").fill(person.birthDate);
      await form.getByLabel("Commune de naissance (code INSEE)").fill(commune.code);
      await form.getByLabel("Numéro de la pièce").fill(person.document);
      await form.getByLabel("Autorité de délivrance").fill("Préfecture du Rhône");
      await form.getByLabel("Date d'expiration de la pièce").fill("2033-06-30");
      await form.getByText(/J'ai vu la pièce et la personne en face à face/).click();
      await form.getByLabel("Adresse électronique").fill(person.email);
      await form.getByText("gérer les cartes").click();
      if (person === responsable) await form.getByText("enregistrer les agents").click();
      if (person === responsable) await expectAccessible(page, "enregistrement du responsable carte");
      await form.getByRole("button", { name: "Enregistrer", exact: true }).click();
      await expect.poll(() => feedback(page).textContent()).toContain(`${person.givenNames} ${person.birthName} est enregistré(e).`);
    }
    await expect.poll(() => page.locator("tbody tr").count()).toBe(2);
    // Two made: the commune registers its other agents, so the console offers no third.
    await expect.poll(() => page.getByTestId("registrations-done").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Enregistrer un agent", exact: true }).count()).toBe(0);
    // The agents are the commune's: registered at Villeurbanne, not at the prefecture.
    const listed = await platform.api(platform.adminToken, "GET", `/agents?commune=${commune.code}`);
    expect((listed.body as { items: Array<unknown> }).items).toHaveLength(2);
  });

  it("orders the commune's first two cards, the responsable carte's and the délégué's", async () => {
    await page.getByRole("button", { name: "Les deux premières cartes" }).click();
    await expect.poll(() => page.locator("main h2").first().textContent()).toBe(`Premières cartes de ${commune.name}`);
    await expectAccessible(page, "premières cartes");
    await page.getByLabel(/Motif de l'opération/).fill("première carte de la commune");
    await page.getByLabel("Agent titulaire").selectOption({ label: "Sophie Garnier" });
    // Which of the two it is must be said: refused in the page otherwise.
    await page.getByRole("button", { name: "Commander la carte" }).click();
    await expect.poll(() => page.getByText(/Carte de la commune : valeur non valide/).count()).toBe(1);
    await page.getByLabel(/Carte de la commune/).selectOption("responsable-carte");
    await page.getByRole("button", { name: "Commander la carte" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Carte commandée pour Sophie Garnier : elle est « commandée ».");
    await page.getByLabel(/Motif de l'opération/).fill("première carte de la commune");
    await page.getByLabel("Agent titulaire").selectOption({ label: "Karim Benali" });
    await page.getByLabel(/Carte de la commune/).selectOption("delegue");
    await page.getByRole("button", { name: "Commander la carte" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Carte commandée pour Karim Benali");
    await expect.poll(() => page.getByText("(carte du responsable carte)").count()).toBe(1);
    await expect.poll(() => page.getByText("(carte du délégué)").count()).toBe(1);
    // Both ordered: the commune orders the next ones, so the console offers no third.
    await expect.poll(() => page.getByTestId("first-cards-ordered").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Commander la carte" }).count()).toBe(0);
    const cards = (await platform.api(platform.adminToken, "GET", `/cards?commune=${commune.code}`)).body as {
      items: Array<{ id: string; firstCard?: string }>;
    };
    cardId = (cards.items.find((card) => card.firstCard === "responsable-carte") as { id: string }).id;
    expect(cardId).not.toBe("");
  });

  it("records the receipt of the responsable carte's card once ANTS triggered the connection, set the appointment and shipped it", async () => {
    const ants = (method: string, path: string, body?: unknown) => platform.api(platform.adminToken, method, path, body);
    expect((await ants("POST", `/communes/${commune.code}/connection`, { reason: "lecteurs livrés" })).status).toBe(200);
    expect(
      (
        await ants("POST", `/communes/${commune.code}/onboarding/milestones`, {
          evidence: { milestone: "handOverAppointment", reference: "rdv préfecture", appointmentOn: today, venue: "Préfecture du Rhône, Lyon" },
        })
      ).status,
    ).toBe(201);
    const made = await ants("POST", `/cards/${cardId}/production`, { reason: "fabrication" });
    serial = (made.body as { serial: string }).serial;
    expect((await ants("POST", `/cards/${cardId}/shipment`, { reason: "envoi à la préfecture" })).status).toBe(200);
    // The card reaches the prefecture and goes into the desk's reader.
    await platform.restartAgent();

    await openCommune(page, "Les deux premières cartes");
    await page.getByLabel(/Motif de l'opération/).fill("carte reçue à la préfecture");
    await page.getByTestId(`card-${cardId}`).getByLabel("Numéro de série imprimé sur la carte reçue").fill(serial);
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain(`Carte ${serial} est reçue.`);
    // She ordered it: another operator of the prefecture approves it.
    await expect.poll(() => page.getByTestId(`card-${cardId}`).getByTestId("approval-waiting").count()).toBe(1);
    expect(await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Remettre la carte au titulaire" }).count()).toBe(0);
  });

  it("has a second operator of the prefecture approve the personalisation from his own session — the prefecture's approval", async () => {
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const second = await other.newPage();
      prefectureTokens.second = platform.issue("prefecture-operator", "prefecture:69", "Marc Roux");
      await signInWithToken(second, prefectureTokens.second);
      await openCommune(second, "Les deux premières cartes");
      const panel = second.getByTestId(`card-${cardId}`);
      await second.getByLabel(/Motif de l'opération/).fill("second contrôle de la préfecture");
      await panel.getByRole("button", { name: "Approuver la personnalisation (second contrôle)" }).click();
      await expect.poll(() => feedback(second).textContent()).toContain("La personnalisation de la carte");
      await expect.poll(() => panel.getByTestId("publication-pending").count()).toBe(1);
      // The approver is not the one who hands it over.
      expect(await panel.getByRole("button", { name: "Remettre la carte au titulaire" }).count()).toBe(0);
      await expectAccessible(second, "approbation de la préfecture");
    } finally {
      await other.close();
    }
  });

  it("hands the card over at the prefecture's desk through the agent: code and document checked, the holder's PIN typed there only", async () => {
    const letter = await fetch(`${platform.base}/cards/${cardId}/activation-letter`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    const code = ActivationLetters.codeOf(new Uint8Array(await letter.arrayBuffer())) as string;
    expect(code).toBeDefined();
    await openCommune(page, "Les deux premières cartes");
    await page.getByLabel(/Motif de l'opération/).fill("remise en main propre au responsable carte");
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Remettre la carte au titulaire" }).click();
    const form = page.getByRole("form", { name: /Remise de la carte/ });
    expect(await form.getByLabel("Lieu de la remise").inputValue()).toBe("prefecture");
    await form.getByLabel("Code d'activation", { exact: true }).fill(code);
    await form.getByLabel("Numéro de la pièce présentée").fill(responsable.document);
    await form.getByLabel("Code PIN choisi par le titulaire").fill("271828");
    await form.getByLabel("Confirmation du code PIN").fill("271828");
    await expectAccessible(page, "remise à la préfecture");
    await shoot(page, "prefecture");
    await form.getByRole("button", { name: "Remettre la carte" }).click();
    await expect.poll(() => feedback(page).textContent(), { timeout: 30_000 }).toContain("est remise et publiée");
    const card = await platform.api(platform.adminToken, "GET", `/cards/${cardId}`);
    expect((card.body as { status: string }).status).toBe("active");
    // Its publication recorded the commune's first cards.
    const status = await platform.api(platform.adminToken, "GET", `/communes/${commune.code}/onboarding`);
    expect((status.body as { status: { done: Array<{ milestone: string }> } }).status.done.map((entry) => entry.milestone)).toContain("firstCards");
  });

  it("shows the département's hand-over appointments, Villeurbanne's done", async () => {
    await page.getByRole("link", { name: "Rendez-vous de remise" }).click();
    await expect.poll(() => heading(page).textContent()).toBe("Rendez-vous de remise du département 69");
    const row = page.getByRole("row", { name: /Villeurbanne \(69266\)/ });
    await expect.poll(() => row.textContent()).toContain("Préfecture du Rhône, Lyon");
    expect(await row.textContent()).toContain("cartes remises");
    // Every appointment listed is in the Rhône.
    const communes = await page.getByTestId("appointments").locator("tbody tr td:nth-child(2)").allTextContents();
    expect(communes.every((text) => /\(69\w{3}\)/.test(text))).toBe(true);
    await expectAccessible(page, "rendez-vous de remise");
    await shoot(page, "prefecture-rendez-vous");
  });

  it("shows the prefecture nothing outside its screens when the URL is edited", async () => {
    for (const fragment of ["verification", "delais-rgs", "export-journal", "dossier"]) {
      await page.evaluate((hash) => {
        window.location.hash = hash;
      }, fragment);
      await expect.poll(() => heading(page).textContent()).toBe("Communes du département 69");
      expect(await page.getByTestId("verification").count()).toBe(0);
      expect(await page.getByTestId("deadlines").count()).toBe(0);
    }
  });

  it("signs the new card in as Villeurbanne's responsable carte, with the PIN she chose", async () => {
    mairie = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    {
      const holder = await mairie.newPage();
      await holder.goto(`${platform.base}/console`);
      await holder.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
      await holder.getByLabel("Code PIN de la carte").fill("271828");
      await holder.getByRole("button", { name: "Se connecter avec la carte" }).click();
      // Two cards in the readers (the demo's and hers): she names hers.
      await expect.poll(() => feedback(holder).textContent()).toContain("(agent-card-not-chosen)");
      await holder.getByLabel("Numéro de série de votre carte").fill(serial);
      await holder.getByLabel("Code PIN de la carte").fill("271828");
      await holder.getByLabel("Code PIN de la carte").press("Enter");
      await expect.poll(() => holder.getByTestId("session").textContent(), { timeout: 20_000 }).toContain(`avec la carte ${serial}`);
      expect(await holder.getByTestId("session").textContent()).toContain("Sophie Garnier (responsable carte ou délégué, commune 69266)");
      await expectAccessible(holder, "responsable carte connectée");
    }
  });

  it("has the délégué's first card, approved by the prefecture, activated at the mairie by the responsable carte: the commune is autonomous", async () => {
    const holder = (mairie as BrowserContext).pages()[0] as Page;
    const cards = (await platform.api(platform.adminToken, "GET", `/cards?commune=${commune.code}`)).body as {
      items: Array<{ id: string; firstCard?: string }>;
    };
    const delegueCard = (cards.items.find((card) => card.firstCard === "delegue") as { id: string }).id;
    // ANTS makes and ships it to the prefecture, which receives it, and its second operator approves it (the walk did both in the page for hers).
    const made = (await platform.api(platform.adminToken, "POST", `/cards/${delegueCard}/production`, { reason: "fabrication" })).body as { serial: string };
    expect((await platform.api(platform.adminToken, "POST", `/cards/${delegueCard}/shipment`, { reason: "envoi à la préfecture" })).status).toBe(200);
    const received = await platform.api(prefectureTokens.first, "POST", `/cards/${delegueCard}/receipt`, {
      serial: made.serial,
      reason: "reçue à la préfecture",
    });
    expect(received.status).toBe(200);
    const approved = await platform.api(prefectureTokens.second, "POST", `/cards/${delegueCard}/personalisation-approval`, { reason: "second contrôle" });
    expect(approved.status).toBe(200);
    // Passed on to the mairie, the card goes into its reader.
    await platform.restartAgent();
    const letter = await fetch(`${platform.base}/cards/${delegueCard}/activation-letter`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    const code = ActivationLetters.codeOf(new Uint8Array(await letter.arrayBuffer())) as string;

    await holder.getByRole("link", { name: "Cartes et demandes" }).click();
    await expect.poll(() => heading(holder).textContent()).toBe("Cartes et demandes du site");
    const panel = holder.getByTestId(`card-${delegueCard}`);
    // Hers to hand over, not to approve: a first card's approval is the prefecture's.
    await expect.poll(() => panel.textContent()).toContain("(carte du délégué)");
    expect(await panel.getByRole("button", { name: "Approuver la personnalisation (second contrôle)" }).count()).toBe(0);
    await holder.getByLabel(/Motif de l'opération/).fill("activation de la carte du délégué en mairie");
    await panel.getByRole("button", { name: "Remettre la carte au titulaire" }).click();
    const form = holder.getByRole("form", { name: /Remise de la carte/ });
    expect(await form.getByLabel("Lieu de la remise").inputValue()).toBe("mairie");
    await form.getByLabel("Code d'activation", { exact: true }).fill(code);
    await form.getByLabel("Numéro de la pièce présentée").fill(delegue.document);
    await form.getByLabel("Code PIN choisi par le titulaire").fill("161803");
    await form.getByLabel("Confirmation du code PIN").fill("161803");
    await form.getByRole("button", { name: "Remettre la carte" }).click();
    await expect.poll(() => feedback(holder).textContent(), { timeout: 30_000 }).toContain("est remise et publiée");
    const status = await platform.api(platform.adminToken, "GET", `/communes/${commune.code}/onboarding`);
    expect((status.body as { status: { done: Array<{ milestone: string }> } }).status.done.map((entry) => entry.milestone)).toContain("autonomy");
    await mairie?.close();
  });

  describe("the auditor", () => {
    let auditor: Page;
    let auditorToken = "";

    beforeAll(async () => {
      auditorToken = platform.issue("auditor", "national", "Inès Moreau");
      // The platform signs a checkpoint every hour: ANTS signs one now in its stead, before the
      // auditor looks; the auditor, who changes nothing, may not.
      expect((await platform.api(auditorToken, "POST", "/audit/checkpoints")).status).toBe(403);
      expect((await platform.api(platform.adminToken, "POST", "/audit/checkpoints")).status).toBe(201);
      auditor = await (await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
    });

    it("signs in to a menu of three read-only screens, and verifies the trail: intact, against the published checkpoints", async () => {
      await signInWithToken(auditor, auditorToken);
      expect(await auditor.getByTestId("session").textContent()).toContain("Inès Moreau (auditeur, niveau national)");
      const menu = await auditor.locator("header nav a").allTextContents();
      expect(menu.map((text) => text.trim())).toEqual(["Vérification du journal", "Export du journal", "Délais RGS"]);
      await expect.poll(() => heading(auditor).textContent()).toBe("Vérification du journal");
      await expect
        .poll(() => auditor.getByTestId("verification").textContent(), { timeout: 20_000 })
        .toMatch(
          /Journal intègre : \d+ événements, la chaîne passant par \d+ points? de contrôle signés? ; dernier point de contrôle publié à la position \d+/,
        );
      await expectAccessible(auditor, "vérification du journal");
      await shoot(auditor, "audit");
    });

    it("compares a kept copy of the published checkpoints: the true copy agrees, a tampered one is named at its position", async () => {
      const copy = (await (await fetch(`${platform.base}/audit/published-checkpoints`)).json()) as { items: Array<{ position: number; hash: string }> };
      const directory = mkdtempSync(join(tmpdir(), "comedec-checkpoints-"));
      writeFileSync(join(directory, "copie.json"), JSON.stringify(copy));
      await auditor.getByLabel(/Copie conservée des points de contrôle publiés/).setInputFiles(join(directory, "copie.json"));
      await expect.poll(() => auditor.getByTestId("comparison").textContent()).toContain(`Votre copie concorde : ses ${copy.items.length} points de contrôle`);
      const last = copy.items.at(-1) as { position: number; hash: string };
      const tampered = { ...copy, items: copy.items.map((item) => (item === last ? { ...item, hash: "0".repeat(64) } : item)) };
      writeFileSync(join(directory, "falsifiee.json"), JSON.stringify(tampered));
      await auditor.getByLabel(/Copie conservée des points de contrôle publiés/).setInputFiles(join(directory, "falsifiee.json"));
      await expect.poll(() => auditor.getByTestId("comparison").textContent()).toContain(`Votre copie ne concorde pas à la position ${last.position}`);
      await expectAccessible(auditor, "copie non concordante");
    });

    it("exports a site's trail with its proofs as a JSON file", async () => {
      await auditor.getByRole("link", { name: "Export du journal" }).click();
      await expect.poll(() => heading(auditor).textContent()).toBe("Export du journal d'un site");
      await expectAccessible(auditor, "export du journal");
      await auditor.getByLabel("Site", { exact: true }).selectOption("commune");
      await auditor.getByLabel("Code INSEE de la commune").fill("6926");
      await auditor.getByRole("button", { name: "Exporter le journal avec ses preuves" }).click();
      await expect.poll(() => auditor.getByText(/Code INSEE : cinq caractères/).count()).toBe(1);
      // The prefecture's site: what its operators did for Villeurbanne's first cards.
      await auditor.getByLabel("Site", { exact: true }).selectOption("prefecture");
      await auditor.getByLabel("Numéro du département").fill("69");
      const [download] = await Promise.all([
        auditor.waitForEvent("download"),
        auditor.getByRole("button", { name: "Exporter le journal avec ses preuves" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("journal-prefecture-69.json");
      const exported = JSON.parse(readFileSync(await download.path(), "utf8")) as {
        site: string;
        publicKey: string;
        checkpoint: { position: number };
        entries: Array<{ site: string; proof: { treeSize: number } }>;
      };
      expect(exported.site).toBe("prefecture:69");
      expect(exported.publicKey).toContain("BEGIN PUBLIC KEY");
      // The registrations, orders, receipt, approval and hand-over, each proven against the signed checkpoint.
      expect(exported.entries.length).toBeGreaterThanOrEqual(6);
      expect(exported.entries.every((entry) => entry.site === "prefecture:69" && entry.proof.treeSize === exported.checkpoint.position)).toBe(true);
      await expect.poll(() => feedback(auditor).textContent()).toContain(`Fichier journal-prefecture-69.json téléchargé : ${exported.entries.length} entrées`);
    });

    it("shows the RGS deadlines, each with its state said plainly", async () => {
      await auditor.getByRole("link", { name: "Délais RGS" }).click();
      // A relying party fetches the CRL: the platform publishes one if none is current, and the deadline is met.
      expect((await fetch(`${platform.base}/pki/crl`)).status).toBe(200);
      await auditor.getByRole("button", { name: "Actualiser" }).click();
      await expect.poll(() => heading(auditor).textContent()).toBe("Délais RGS");
      const revocations = auditor.getByTestId("deadline-revocations");
      await expect.poll(() => revocations.textContent()).toContain("Dans le délai");
      expect(await revocations.textContent()).toContain("Aucune demande de révocation n'attend.");
      await expect.poll(() => auditor.getByTestId("deadline-crl").textContent()).toMatch(/^.*Dans le délaiLCR n° \d+ publiée le .*, il y a 0 heure\(s\)/);
      await expect.poll(() => auditor.getByTestId("no-breaches").count()).toBe(1);
      await expectAccessible(auditor, "délais RGS");
      await shoot(auditor, "audit-delais");
    });

    it("offers the auditor nothing that changes anything, and shows nothing of another role's screen when the URL is edited", async () => {
      for (const fragment of ["communes", "agents", "cartes", "rendez-vous", "mes-cartes", "conventions", "dossier"]) {
        await auditor.evaluate((hash) => {
          window.location.hash = hash;
        }, fragment);
        await expect.poll(() => heading(auditor).textContent()).toBe("Vérification du journal");
        expect(await auditor.locator("table[data-testid=communes], [data-testid^=card-], form[aria-labelledby=registration-title]").count()).toBe(0);
      }
      // On each of its screens, the buttons only read: verify again, export, refresh.
      const buttons: Array<string> = [];
      for (const [link, loaded] of [
        ["Vérification du journal", "Vérifier de nouveau"],
        ["Export du journal", "Exporter le journal avec ses preuves"],
        ["Délais RGS", "Actualiser"],
      ] as const) {
        await auditor.getByRole("link", { name: link }).click();
        await expect.poll(() => auditor.getByRole("button", { name: loaded }).count()).toBe(1);
        buttons.push(...(await auditor.locator("main button").allTextContents()).map((text) => text.trim()));
      }
      expect([...new Set(buttons)].sort()).toEqual(["Actualiser", "Exporter le journal avec ses preuves", "Vérifier de nouveau"]);
    });
  });
});
