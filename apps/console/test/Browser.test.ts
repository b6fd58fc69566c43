/**
 * The console in a real browser: Debian's Chromium (`/usr/bin/chromium`, installed by `.ci/run`)
 * driven by playwright-core — no browser downloaded — against the built API and a card agent on
 * the embedded demo's virtual cards, each a separate process. The responsable carte signs in with
 * her card through the agent (a wrong PIN first, refused in French with the tries left), registers
 * an agent (the form refused in the page first, by the Schemas of the API), orders their card;
 * ANTS makes and ships it; she records its receipt; the délégué, in his own session, sees the
 * personalisation waiting for him and approves it; she hands the card over at the desk through the
 * agent (code and document checked, the holder's first PIN typed there); the holder signs in with
 * it and sees his card; wrong PINs bring the agent's warning before the final try; the card locked,
 * she unblocks it at the desk and he signs in with his new PIN; she renews its certificates; she sets
 * his secret questions and, his card locked again, unblocks it by his answers; he asks
 * for a renewal and she validates it; he sets his own secret questions and, his card locked once more,
 * unblocks it himself from the sign-in page with his answers, without a session; the agents are paged by ten, one deactivated with a reason,
 * one deleted after an explicit confirmation; another commune's operator sees nothing of this one;
 * the commune's onboarding file shows its milestones, who acts next, its conventions and its test;
 * a session left alone 15 minutes ends by itself (the page's clock fast-forwarded);
 * she sees her own card, and signs out. axe finds no serious or critical violation (WCAG 2.1 AA, which
 * RGAA follows) on any screen; each screen's screenshot is kept in test-artifacts/. The token is
 * never in storage, and the pages request nothing but the platform and the agent.
 */
import { ActivationLetters } from "@comedec/pgca";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, chromiumPath, expectAccessible, feedback, launchFlags, present, shoot } from "./Chromium.js";
import * as Platform from "./Platform.js";

describe.skipIf(!present)("the console in Chromium, with the API and a card agent", () => {
  let platform: Platform.Running;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let newAgent = "";
  let cardId = "";
  const foreign: Array<string> = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    platform = await Platform.start();
    browser = await chromium.launch({ executablePath: chromiumPath, args: launchFlags });
    context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // Whatever the console asks for must be the platform's or the agent's: checked at the end.
    context.on("request", (request) => {
      const origin = new URL(request.url()).origin;
      if (origin !== platform.base && origin !== platform.agentUrl && !request.url().startsWith("data:")) foreign.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it("shows the sign-in page, accessible, its assets from the platform only", async () => {
    const requested: Array<string> = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${platform.base}/console`);
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Connexion avec votre carte");
    expect(requested.filter((url) => !url.startsWith(`${platform.base}/`))).toEqual([]);
    await expectAccessible(page, "connexion");
    await shoot(page, "01-connexion");
  });

  it("refuses a wrong PIN in French with the tries left, then signs the responsable carte in with her card through the agent", async () => {
    await page.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
    await page.getByLabel("Code PIN de la carte").fill("000000");
    await page.getByRole("button", { name: "Se connecter avec la carte" }).click();
    await expect.poll(() => feedback(page).textContent()).toMatch(/Code PIN erroné\. Essais restants : \d\. \(pin-incorrect\)/);
    await expect.poll(() => page.getByLabel("Code PIN de la carte").inputValue()).toBe("");
    await page.getByLabel("Code PIN de la carte").fill(platform.demo.pin);
    await page.getByRole("button", { name: "Se connecter avec la carte" }).click();
    await expect.poll(() => page.getByTestId("session").textContent(), { timeout: 20_000 }).toContain(`avec la carte ${platform.demo.serial}`);
    const session = (await page.getByTestId("session").textContent()) ?? "";
    expect(session).toContain("commune 69123");
    expect(session).toMatch(/La session expire à \d\d:\d\d\. Déconnexion automatique après 15 minutes d'inactivité/);
    // The token is in the page's memory only: no storage, no cookie holds it.
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
    expect(stored).not.toMatch(/cmdcs?_/);
    expect(await page.evaluate(() => document.cookie)).toBe("");
  });

  it("lists the site's agents and registers one, the form checked in the page by the API's Schemas", async () => {
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Agents du site");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await expectAccessible(page, "agents");
    await shoot(page, "02-agents");
    await page.getByRole("button", { name: "Enregistrer un agent" }).click();
    await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/Le formulaire comporte \d+ erreur/);
    await expect.poll(() => page.getByText("Nom de naissance : valeur non valide").count()).toBeGreaterThan(0);
    await expectAccessible(page, "enregistrement (erreurs)");
    await page.getByLabel("Nom de naissance").fill("Martin");
    await page.getByLabel("Prénoms").fill("Paul Henri");
    await page.getByLabel("Date de naissance").fill("1990-05-06");
    await page.getByLabel("Commune de naissance (code INSEE)").fill("69123");
    await page.getByLabel("Numéro de la pièce").fill("PM1234567");
    await page.getByLabel("Autorité de délivrance").fill("Préfecture du Rhône");
    await page.getByLabel("Date d'expiration de la pièce").fill("2032-01-01");
    // The DSFR draws the box on the label: a person clicks the label (or presses Space on the box).
    await page.getByText(/J'ai vu la pièce et la personne en face à face/).click();
    expect(await page.getByLabel(/J'ai vu la pièce et la personne en face à face/).isChecked()).toBe(true);
    await page.getByLabel("Adresse électronique").fill("paul.martin@mairie-69123.example");
    await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Paul Henri Martin est enregistré(e).");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(2);
    await shoot(page, "03-agent-enregistre");
    const search = await platform.api(platform.adminToken, "GET", "/agents?commune=69123&name=Martin");
    newAgent = ((search.body as { items: Array<{ id: string }> }).items[0] as { id: string }).id;
    expect(newAgent).not.toBe("");
  });

  it("asks for confirmation before deactivating, and cancels without a change", async () => {
    await page
      .getByRole("row", { name: /Paul Henri Martin/ })
      .getByRole("button", { name: "Ouvrir" })
      .click();
    // With the keyboard alone: the box takes the focus, and cancelling gives it back to the button.
    await page.getByRole("button", { name: "Désactiver" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByText("Désactiver Paul Henri Martin ? Ses cartes seront suspendues").count()).toBe(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe("FIELDSET");
    await expectAccessible(page, "confirmation");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Annuler");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Désactiver");
    const record = await platform.api(platform.adminToken, "GET", `/agents/${newAgent}`);
    expect((record.body as { status: string }).status).toBe("active");
  });

  it("orders the new agent's card, and records its receipt once ANTS shipped it", async () => {
    await page.getByRole("link", { name: "Cartes et demandes" }).click();
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Cartes et demandes du site");
    await expectAccessible(page, "cartes");
    await page.getByLabel(/Motif de l'opération/).fill("première carte de Paul Martin");
    await page.getByLabel("Agent titulaire").selectOption({ label: "Paul Henri Martin" });
    await page.getByRole("button", { name: "Commander la carte" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Carte commandée pour Paul Henri Martin : elle est « commandée ».");
    await shoot(page, "04-carte-commandee");

    // ANTS makes and ships it (its own console is another issue): the platform's routes.
    const cards = await platform.api(platform.adminToken, "GET", "/cards?commune=69123");
    cardId = ((cards.body as { items: Array<{ id: string; holder: string }> }).items.find((card) => card.holder === newAgent) as { id: string }).id;
    const made = await platform.api(platform.adminToken, "POST", `/cards/${cardId}/production`, { reason: "fabrication" });
    expect(made.status).toBe(200);
    const serial = (made.body as { serial: string }).serial;
    expect((await platform.api(platform.adminToken, "POST", `/cards/${cardId}/shipment`, { reason: "envoi" })).status).toBe(200);
    // The card reaches the mairie and goes into the workstation's reader.
    await platform.restartAgent();

    await page.getByRole("link", { name: "Agents du site" }).click();
    await page.getByRole("link", { name: "Cartes et demandes" }).click();
    await page.getByLabel(/Motif de l'opération/).fill("carte reçue en mairie");
    await page.getByLabel("Numéro de série imprimé sur la carte reçue").fill("bad serial!");
    await page.getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect.poll(() => page.getByText(/Numéro de série : 4 à 32 lettres/).count()).toBe(1);
    await page.getByLabel("Numéro de série imprimé sur la carte reçue").fill(serial);
    await page.getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain(`Carte ${serial} est reçue.`);
    // She ordered it: the second person of its publication must be someone else.
    await expect.poll(() => page.getByTestId("approval-waiting").count()).toBe(1);
    await shoot(page, "05-carte-recue");
  });

  it("shows the délégué, in his own session, the personalisation waiting for him, and records his approval", async () => {
    const token = platform.issue("commune-operator", "commune:69123", "Bruno Faure");
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const delegue = await other.newPage();
      await delegue.goto(`${platform.base}/console#cartes`);
      await delegue.getByLabel("Jeton d'amorçage").fill(token);
      await delegue.getByRole("button", { name: "Se connecter avec le jeton" }).click();
      await expect.poll(() => delegue.getByTestId("session").textContent()).toContain("Bruno Faure");
      await expect.poll(() => delegue.locator("main h1").textContent()).toBe("Cartes et demandes du site");
      await delegue.getByLabel(/Motif de l'opération/).fill("second contrôle du délégué");
      await delegue.getByRole("button", { name: "Approuver la personnalisation (second contrôle)" }).click();
      await expect.poll(() => feedback(delegue).textContent()).toContain("La personnalisation de la carte");
      await expect.poll(() => delegue.getByTestId("publication-pending").count()).toBe(1);
      await expectAccessible(delegue, "approbation du délégué");
      await shoot(delegue, "06-approbation-delegue");
    } finally {
      await other.close();
    }
    const card = await platform.api(platform.adminToken, "GET", `/cards/${cardId}`);
    expect((card.body as { personalisationApprovedBy?: string }).personalisationApprovedBy).toBeDefined();
  });

  /** Signs a holder in with their card in a context of their own, naming the card when several are in the readers. */
  const holderSignIn = async (holder: Page, serial: string, pin: string) => {
    await holder.goto(`${platform.base}/console`);
    await holder.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
    await holder.getByLabel("Code PIN de la carte").fill(pin);
    await holder.getByRole("button", { name: "Se connecter avec la carte" }).click();
    await expect.poll(() => feedback(holder).textContent()).toContain("(agent-card-not-chosen)");
    await holder.getByLabel("Numéro de série de votre carte").fill(serial);
    await holder.getByLabel("Code PIN de la carte").fill(pin);
    await holder.getByLabel("Code PIN de la carte").press("Enter");
  };

  it("hands the card over at the desk through the agent: code and document checked, the holder's first PIN typed there only", async () => {
    const letter = await fetch(`${platform.base}/cards/${cardId}/activation-letter`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    const code = ActivationLetters.codeOf(new Uint8Array(await letter.arrayBuffer())) as string;
    expect(code).toBeDefined();
    await page.getByRole("link", { name: "Agents du site" }).click();
    await page.getByRole("link", { name: "Cartes et demandes" }).click();
    await page.getByLabel(/Motif de l'opération/).fill("remise en main propre à Paul Martin");
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Remettre la carte au titulaire" }).click();
    const form = page.getByRole("form", { name: /Remise de la carte/ });
    await form.getByLabel("Code d'activation", { exact: true }).fill(code);
    await form.getByLabel("Numéro de la pièce présentée").fill("PM1234567");
    await form.getByLabel("Code PIN choisi par le titulaire").fill("246810");
    await form.getByLabel("Confirmation du code PIN").fill("246811");
    await form.getByRole("button", { name: "Remettre la carte" }).click();
    await expect.poll(() => form.getByText("Les deux saisies du code PIN diffèrent.").count()).toBe(1);
    await expectAccessible(page, "remise");
    await shoot(page, "07-remise");
    await form.getByLabel("Code PIN choisi par le titulaire").fill("246810");
    await form.getByLabel("Confirmation du code PIN").fill("246810");
    await form.getByRole("button", { name: "Remettre la carte" }).click();
    await expect.poll(() => feedback(page).textContent(), { timeout: 30_000 }).toContain("est remise et publiée");
    const card = await platform.api(platform.adminToken, "GET", `/cards/${cardId}`);
    expect((card.body as { status: string }).status).toBe("active");
  });

  it("signs the new holder in with the PIN he chose: his card and its certificates, nothing of the site's agents", async () => {
    const card = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { serial: string };
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const holder = await other.newPage();
      await holderSignIn(holder, card.serial, "246810");
      await expect.poll(() => holder.getByTestId("session").textContent(), { timeout: 20_000 }).toContain("Paul Martin (titulaire de carte");
      await expect.poll(() => holder.locator("main h1").textContent()).toBe("Mes cartes");
      expect(await holder.getByRole("link", { name: "Agents du site" }).count()).toBe(0);
      const own = holder.locator("[data-testid^=own-card-]");
      await expect.poll(() => own.count()).toBe(1);
      expect(await own.textContent()).toMatch(/— active\. authentification jusqu'au/);
      await expectAccessible(holder, "titulaire");
      await shoot(holder, "08-titulaire");
      // Editing the URL shows nothing more: the agents' screen is not his.
      await holder.goto(`${platform.base}/console#agents`);
      await expect.poll(() => holder.locator("main h1").textContent()).toBe("Mes cartes");
      expect(await holder.locator("table").count()).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("warns the holder before a PIN's final try, and the responsable carte unblocks a locked card at the desk", async () => {
    const card = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { serial: string };
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const holder = await other.newPage();
      await holderSignIn(holder, card.serial, "999999");
      await expect.poll(() => feedback(holder).textContent()).toContain("(pin-incorrect)");
      await holder.getByLabel("Code PIN de la carte").fill("999998");
      await holder.getByRole("button", { name: "Se connecter avec la carte" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("Essais restants : 1.");
      // The agent never spends the last try unasked: it warns, and the card keeps it.
      await holder.getByLabel("Code PIN de la carte").fill("999997");
      await holder.getByRole("button", { name: "Se connecter avec la carte" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("un nouveau code PIN erroné bloquerait la carte. (pin-final-try)");
      // The holder chooses to spend it, and a third wrong PIN blocks the card.
      await holder.getByText(/J'utilise le dernier essai de ma carte/).click();
      await holder.getByLabel("Code PIN de la carte").fill("999996");
      await holder.getByRole("button", { name: "Se connecter avec la carte" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("Le code PIN est bloqué");
      // Blocked: even the right PIN opens nothing now.
      await holder.getByLabel("Code PIN de la carte").fill("246810");
      await holder.getByRole("button", { name: "Se connecter avec la carte" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("Le code PIN est bloqué");
      await shoot(holder, "09-pin-bloque");

      await page.getByRole("link", { name: "Agents du site" }).click();
      await page.getByRole("link", { name: "Cartes et demandes" }).click();
      await page.getByLabel(/Motif de l'opération/).fill("code PIN bloqué, titulaire présent");
      await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Débloquer le code PIN" }).click();
      const form = page.getByRole("form", { name: new RegExp(`Déblocage de la carte ${card.serial}`) });
      await form.getByText(/J'ai vérifié l'identité du titulaire en face à face/).click();
      await form.getByLabel("Nouveau code PIN choisi par le titulaire").fill("135790");
      await form.getByLabel("Confirmation du code PIN").fill("135790");
      await expectAccessible(page, "déblocage");
      await form.getByRole("button", { name: "Débloquer la carte" }).click();
      await expect.poll(() => feedback(page).textContent(), { timeout: 30_000 }).toContain("est débloquée");
      await shoot(page, "10-debloquee");

      await holder.reload();
      await holderSignIn(holder, card.serial, "135790");
      await expect.poll(() => holder.getByTestId("session").textContent(), { timeout: 20_000 }).toContain("Paul Martin");
    } finally {
      await other.close();
    }
  });

  it("renews the certificates of the holder's card at the desk, the holder typing his PIN", async () => {
    const before = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { certificates: { authentication: { serial: string } } };
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Renouveler les certificats" }).click();
    // Without a reason nothing is sent, and the person is told where to write it.
    await page
      .getByRole("form", { name: /Renouvellement des certificats/ })
      .getByLabel("Code PIN actuel du titulaire")
      .fill("135790");
    await page
      .getByRole("form", { name: /Renouvellement des certificats/ })
      .getByRole("button", { name: "Renouveler les certificats" })
      .click();
    await expect.poll(() => feedback(page).textContent()).toContain("Indiquez le motif de l'opération");
    await page.getByLabel(/Motif de l'opération/).fill("certificats renouvelés avant leur fin");
    const form = page.getByRole("form", { name: /Renouvellement des certificats/ });
    await form.getByLabel("Code PIN actuel du titulaire").fill("135790");
    await form.getByRole("button", { name: "Renouveler les certificats" }).click();
    await expect.poll(() => feedback(page).textContent(), { timeout: 30_000 }).toContain("sont renouvelés");
    const after = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { certificates: { authentication: { serial: string } } };
    expect(after.certificates.authentication.serial).not.toBe(before.certificates.authentication.serial);
  });

  it("sets the holder's secret questions, and unblocks his locked card by his answers to them", async () => {
    const card = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { serial: string };
    await page.getByRole("button", { name: "Définir les questions secrètes de Paul Henri Martin" }).click();
    const questions = [
      "Nom de votre première école ?",
      "Ville de naissance de votre mère ?",
      "Nom de votre premier animal ?",
      "Marque de votre première voiture ?",
    ];
    const answers = ["Jules Ferry", "Valence", "Pilou", "Renault"];
    for (const [index, question] of questions.entries()) {
      await page.getByLabel(`Question ${index + 1}`, { exact: true }).fill(question);
      await page.getByLabel(`Réponse ${index + 1}`, { exact: true }).fill(answers[index] as string);
    }
    await page.getByRole("button", { name: "Enregistrer les questions" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Les questions secrètes de Paul Henri Martin sont enregistrées.");

    await platform.lockPin(card.serial);
    await page.getByLabel(/Motif de l'opération/).fill("déblocage sur réponses aux questions secrètes");
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Débloquer le code PIN" }).click();
    const form = page.getByRole("form", { name: new RegExp(`Déblocage de la carte ${card.serial}`) });
    await form.getByText("Par ses réponses à ses questions secrètes").click();
    await form.getByLabel(questions[0] as string).fill(answers[0] as string);
    await form.getByLabel(questions[2] as string).fill(answers[2] as string);
    await form.getByLabel("Nouveau code PIN choisi par le titulaire").fill("864200");
    await form.getByLabel("Confirmation du code PIN").fill("864200");
    await expectAccessible(page, "déblocage par questions secrètes");
    await form.getByRole("button", { name: "Débloquer la carte" }).click();
    await expect.poll(() => feedback(page).textContent(), { timeout: 30_000 }).toContain("est débloquée");
    const unblocked = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { status: string };
    expect(unblocked.status).toBe("active");
  });

  it("asks the holder's requests in his own session, and shows them to the responsable carte to validate", async () => {
    const card = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { serial: string };
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const holder = await other.newPage();
      await holderSignIn(holder, card.serial, "864200");
      await expect.poll(() => holder.locator("main h1").textContent(), { timeout: 20_000 }).toBe("Mes cartes");
      await expect.poll(() => holder.getByTestId("no-own-requests").count()).toBe(1);
      await holder.getByLabel(/Motif de la demande/).fill("ma carte est abîmée");
      await holder.getByRole("button", { name: "Demander le renouvellement" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("Votre demande de renouvellement est déposée.");
      await expect.poll(() => holder.getByText(/renouvellement de carte du .* : en attente de validation/).count()).toBe(1);
      await expectAccessible(holder, "demandes du titulaire");
    } finally {
      await other.close();
    }
    await page.getByRole("link", { name: "Agents du site" }).click();
    await page.getByRole("link", { name: "Cartes et demandes" }).click();
    await expect.poll(() => page.getByText(/renouvellement de carte pour Paul Henri Martin/).count()).toBe(1);
    await page.getByLabel(/Motif de l'opération/).fill("renouvellement accordé");
    await page.getByRole("button", { name: "Valider" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("La demande est validée.");
    await expect.poll(() => page.getByTestId("no-requests").count()).toBe(1);
  });

  it("lets the holder set his own secret questions, then unblock his locked card alone from the sign-in page, without a session", async () => {
    const card = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { serial: string };
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const holder = await other.newPage();
      await holderSignIn(holder, card.serial, "864200");
      await expect.poll(() => holder.locator("main h1").textContent(), { timeout: 20_000 }).toBe("Mes cartes");
      await holder.getByRole("button", { name: "Définir mes questions secrètes" }).click();
      const own = [
        ["Nom de mon instituteur de CP ?", "Monsieur Girard"],
        ["Rue de mon premier appartement ?", "rue des Capucins"],
        ["Sport pratiqué au lycée ?", "Handball"],
        ["Destination de mon premier voyage ?", "Lisbonne"],
      ] as const;
      for (const [index, [question, answer]] of own.entries()) {
        await holder.getByLabel(`Question ${index + 1}`, { exact: true }).fill(question);
        await holder.getByLabel(`Réponse ${index + 1}`, { exact: true }).fill(answer);
      }
      await expectAccessible(holder, "mes questions secrètes");
      await holder.getByRole("button", { name: "Enregistrer les questions" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("Vos questions secrètes sont enregistrées.");

      // His card locks (three wrong PINs elsewhere): he cannot sign in, and unblocks it from the sign-in page.
      await platform.lockPin(card.serial);
      await holder.goto(`${platform.base}/console`);
      await holder.getByRole("link", { name: "Débloquer ma carte" }).click();
      await expect.poll(() => holder.locator("main h1").textContent()).toBe("Débloquer ma carte");
      expect(await holder.title()).toBe("Débloquer ma carte — COMEDEC");
      await holder.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
      await holder.getByRole("button", { name: "Lire ma carte" }).click();
      // Only his card is locked among the cards in the readers: it is the one offered, chosen already.
      await expect.poll(() => holder.getByLabel(`Carte ${card.serial}`).isChecked()).toBe(true);
      expect(await holder.getByLabel(`Carte ${platform.demo.serial}`).count()).toBe(0);
      await holder.getByRole("button", { name: "Afficher mes questions secrètes" }).click();
      const form = holder.getByRole("form", { name: `Déblocage de ma carte ${card.serial}` });
      await expect.poll(() => form.getByLabel(own[1][0]).count()).toBe(1);
      // A wrong set of answers is refused, in French, and counted.
      await form.getByLabel(own[1][0]).fill("rue de la Paix");
      await form.getByLabel(own[3][0]).fill("Rome");
      await form.getByLabel(/^Nouveau code PIN/).fill("975310");
      await form.getByLabel("Confirmation du nouveau code PIN").fill("975310");
      await form.getByRole("button", { name: "Débloquer ma carte" }).click();
      await expect.poll(() => feedback(holder).textContent()).toContain("ne permettent pas d'authentifier le titulaire. (secret-answers-refused)");
      expect(await form.getByLabel(/^Nouveau code PIN/).inputValue()).toBe("");
      await form.getByLabel(own[1][0]).fill("Rue des capucins");
      await form.getByLabel(own[3][0]).fill("lisbonne");
      await form.getByLabel(/^Nouveau code PIN/).fill("975310");
      await form.getByLabel("Confirmation du nouveau code PIN").fill("975310");
      await expectAccessible(holder, "déblocage à distance");
      await shoot(holder, "13-deblocage-a-distance");
      await form.getByRole("button", { name: "Débloquer ma carte" }).click();
      await expect.poll(() => feedback(holder).textContent(), { timeout: 30_000 }).toContain(`Votre carte ${card.serial} est débloquée`);
      await expectAccessible(holder, "carte débloquée");
      const unblocked = (await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { status: string };
      expect(unblocked.status).toBe("active");

      await holderSignIn(holder, card.serial, "975310");
      await expect.poll(() => holder.getByTestId("session").textContent(), { timeout: 20_000 }).toContain("Paul Martin");
    } finally {
      await other.close();
    }
  });

  it("pages the site's agents by ten, deactivates one with a reason and deletes one after an explicit confirmation", async () => {
    // Eleven more agents of the site, registered through the platform as the responsable carte's colleague would.
    const rc = platform.issue("commune-operator", "commune:69123", "Bruno Faure");
    for (let index = 0; index < 11; index++) {
      const name = `Agent${String.fromCharCode(65 + index)}`;
      const registered = await platform.api(rc, "POST", "/agents", {
        identity: { birthName: name, givenNames: ["Test"], sex: "M", birthDate: "1985-01-01", placeOfBirth: { _tag: "commune", commune: "69123" } },
        document: {
          type: "passeport",
          number: `PP${String(index).padStart(7, "0")}`,
          issuingAuthority: "Préfecture du Rhône",
          expiresOn: "2033-01-01",
          holder: { birthName: name.toUpperCase(), givenNames: ["Test"], birthDate: "1985-01-01" },
          check: { by: "bruno", on: new Date().toISOString().slice(0, 10), faceToFace: true },
        },
        contact: { email: `${name.toLowerCase()}@mairie-69123.example` },
        site: { _tag: "commune", commune: "69123" },
        profile: { _tag: "agent" },
        rights: ["receive-requests"],
      });
      expect(registered.status).toBe(201);
    }
    await page.getByRole("link", { name: "Cartes et demandes" }).click();
    await page.getByRole("link", { name: "Agents du site" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(10);
    await page.getByRole("button", { name: "Page suivante" }).click();
    await expect.poll(() => page.getByText("Page 2").count()).toBe(1);
    await expect.poll(() => page.locator("tbody tr").count()).toBe(3);
    await shoot(page, "11-agents-page-2");
    await page.getByRole("button", { name: "Page précédente" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(10);

    await page.getByLabel("Nom", { exact: true }).fill("AgentA");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    await page
      .getByRole("row", { name: /AgentA/ })
      .getByRole("button", { name: "Ouvrir" })
      .click();
    const record = page.getByTestId("agent-record");
    await record.getByLabel(/^Motif/).fill("départ de la commune");
    await record.getByRole("button", { name: "Désactiver" }).click();
    await record.getByRole("button", { name: "Confirmer la désactivation" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Test AgentA est désactivé(e).");

    await page.getByLabel("Nom", { exact: true }).fill("AgentB");
    await page.getByRole("button", { name: "Rechercher" }).click();
    await page
      .getByRole("row", { name: /AgentB/ })
      .getByRole("button", { name: "Ouvrir" })
      .click();
    await record.getByLabel(/^Motif/).fill("enregistrée par erreur");
    await record.getByRole("button", { name: "Supprimer" }).click();
    await expect.poll(() => record.getByText(/Supprimer définitivement la fiche de Test AgentB \? .*irréversible/).count()).toBe(1);
    await record.getByRole("button", { name: "Supprimer définitivement" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("La fiche de Test AgentB est supprimée.");
    await expect.poll(() => page.getByTestId("empty").count()).toBe(1);
    await expectAccessible(page, "agents (vide)");
  });

  it("shows the operator of another commune nothing of this one", async () => {
    const token = platform.issue("commune-operator", "commune:69266", "Claire Petit");
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const elsewhere = await other.newPage();
      await elsewhere.goto(`${platform.base}/console`);
      await elsewhere.getByLabel("Jeton d'amorçage").fill(token);
      await elsewhere.getByLabel("Jeton d'amorçage").press("Enter");
      await expect.poll(() => elsewhere.getByTestId("session").textContent()).toContain("commune 69266");
      await expect.poll(() => elsewhere.getByTestId("empty").count()).toBe(1);
      await elsewhere.goto(`${platform.base}/console#cartes`);
      await expect.poll(() => elsewhere.getByTestId("no-cards").count()).toBe(1);
      expect(await elsewhere.locator("main").textContent()).not.toMatch(/Martin|Roux/);
    } finally {
      await other.close();
    }
  });

  it("shows the commune's onboarding file: milestones done, who acts next, conventions and the connection test", async () => {
    await page.getByRole("link", { name: "Dossier de la commune" }).click();
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Dossier de raccordement de la commune 69123");
    await expect.poll(() => page.getByTestId("file-summary").count()).toBe(1);
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).toContain("Adhésion en ligne");
    expect(text).toMatch(/Convention (CARTES|COMEDEC) signée le .* : validée/);
    expect(text).toMatch(/demandes de spécimen/);
    await expectAccessible(page, "dossier de la commune");
    await shoot(page, "12-dossier");
    await page.getByLabel(/Fichier de spécimens/).setInputFiles(fileURLToPath(new URL("../../../docs/examples/specimen-file.json", import.meta.url)));
    await page.getByRole("button", { name: "Envoyer le fichier de spécimens" }).click();
    await expect.poll(() => feedback(page).textContent()).toMatch(/Fichier de spécimens reçu : \d+ demandes de spécimen faites/);
  });

  it("signs out by itself after 15 minutes without a key or a click, saying why", async () => {
    const token = platform.issue("commune-operator", "commune:69123", "Bruno Faure");
    const other = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
    try {
      const idle = await other.newPage();
      await idle.clock.install();
      await idle.goto(`${platform.base}/console`);
      await idle.getByLabel("Jeton d'amorçage").fill(token);
      await idle.getByLabel("Jeton d'amorçage").press("Enter");
      await expect.poll(() => idle.getByTestId("session").textContent()).toContain("Déconnexion automatique après 15 minutes d'inactivité");
      await idle.clock.fastForward("14:00");
      expect(await idle.getByTestId("session").count()).toBe(1);
      await idle.clock.fastForward("01:30");
      await expect.poll(() => idle.getByText("Vous avez été déconnecté après 15 minutes d'inactivité.").count()).toBe(1);
      expect(await idle.locator("main h1").textContent()).toBe("Connexion avec votre carte");
    } finally {
      await other.close();
    }
  });

  it("shows the holder her own card with its certificates' expiry", async () => {
    await page.getByRole("link", { name: "Mes cartes" }).click();
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Mes cartes");
    const own = page.locator("[data-testid^=own-card-]");
    await expect.poll(() => own.count()).toBe(1);
    expect(await own.textContent()).toMatch(
      new RegExp(`Carte ${platform.demo.serial} — active\\. authentification jusqu'au \\d+ \\S+ \\d{4}, signature jusqu'au`),
    );
    await expectAccessible(page, "mes cartes");
    await shoot(page, "07-mes-cartes");
  });

  it("signs out: the card session is closed on the platform and the page forgets it", async () => {
    await page.getByRole("button", { name: "Se déconnecter" }).click();
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Connexion avec votre carte");
    await expect.poll(() => page.getByText("Vous êtes déconnecté.").count()).toBe(1);
    expect(foreign).toEqual([]);
  });
});
