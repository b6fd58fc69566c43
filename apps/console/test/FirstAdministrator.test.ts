/**
 * A new platform in Chromium, its bootstrap token the only way in (ADR 0017, 0018): the first
 * national administrator signs in once with it, registers herself as an agent of the national site
 * (ANTS), orders her card, sends it to the manufacturer, ships it, receives it, and hands it over
 * to herself at the desk through the card agent — the bootstrap session counting once, the holder
 * at the desk the second person — then signs in with that card as a national administrator of the
 * national level. A second hand-over by the bootstrap session is refused. axe finds no serious or critical violation on any screen.
 */
import { ActivationLetters } from "@comedec/pgca";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { artifacts, chromiumPath, expectAccessible, feedback, launchFlags, present } from "./Chromium.js";
import * as Platform from "./Platform.js";

describe.skipIf(!present)("the first national administrator of a new platform, in Chromium", () => {
  let platform: Platform.Running;
  let browser: Browser;
  let page: Page;
  let cardId = "";
  let serial = "";

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    platform = await Platform.start({ demo: false });
    browser = await chromium.launch({ executablePath: chromiumPath, args: launchFlags });
    page = await (await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 900 } })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it("signs in once with the bootstrap token and registers herself as an agent of the national site", async () => {
    await page.goto(`${platform.base}/console`);
    // The card agent of this workstation, for the hand-over to come.
    await page.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
    await page.getByLabel("Jeton d'amorçage").fill(platform.adminToken);
    await page.getByLabel("Jeton d'amorçage").press("Enter");
    await expect.poll(() => page.getByTestId("session").textContent()).toContain("administrateur national, niveau national) avec un jeton d'amorçage");
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Agents du site");
    await page.getByRole("button", { name: "Enregistrer un agent" }).click();
    await page.getByLabel("Nom de naissance").fill("Lefèvre");
    await page.getByLabel("Prénoms").fill("Claire");
    await page.getByLabel("Date de naissance").fill("1978-09-12");
    await page.getByLabel("Commune de naissance (code INSEE)").fill("69123");
    await page.getByLabel("Numéro de la pièce").fill("CL7788990");
    await page.getByLabel("Autorité de délivrance").fill("Préfecture du Rhône");
    await page.getByLabel("Date d'expiration de la pièce").fill("2033-03-01");
    await page.getByText(/J'ai vu la pièce et la personne en face à face/).click();
    await page.getByLabel("Adresse électronique").fill("claire.lefevre@rhone.gouv.example");
    await page.getByLabel("Type de site").selectOption("national");
    // The national site names no département or commune.
    expect(await page.getByLabel("Numéro du département de la préfecture").count()).toBe(0);
    await page.getByText("gérer les cartes").click();
    await expectAccessible(page, "enregistrement par l'administrateur");
    await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Claire Lefèvre est enregistré(e).");
  });

  it("orders her card, sends it to the manufacturer, ships it and receives it, from the console", async () => {
    await page.getByRole("link", { name: "Cartes et demandes" }).click();
    await expect.poll(() => page.locator("main h1").textContent()).toBe("Cartes et demandes du site");
    await page.getByLabel(/Motif de l'opération/).fill("première carte de la plateforme");
    await page.getByLabel("Agent titulaire").selectOption({ label: "Claire Lefèvre" });
    await page.getByRole("button", { name: "Commander la carte" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("Carte commandée pour Claire Lefèvre");
    cardId = ((await page.locator("[data-testid^=card-]").first().getAttribute("data-testid")) ?? "").replace(/^card-/, "");
    const panel = page.getByTestId(`card-${cardId}`);
    await page.getByLabel(/Motif de l'opération/).fill("commande au fabricant");
    await panel.getByRole("button", { name: "Lancer la fabrication" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("est en fabrication");
    await page.getByLabel(/Motif de l'opération/).fill("envoi à la préfecture");
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Enregistrer l'expédition" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain("est expédiée");
    serial = ((await platform.api(platform.adminToken, "GET", `/cards/${cardId}`)).body as { serial: string }).serial;
    // The card reaches the prefecture and goes into the workstation's reader.
    await platform.restartAgent();
    await page.getByLabel(/Motif de l'opération/).fill("carte reçue à la préfecture");
    await page.getByLabel("Numéro de série imprimé sur la carte reçue").fill(serial);
    await page.getByRole("button", { name: "Enregistrer la réception" }).click();
    await expect.poll(() => feedback(page).textContent()).toContain(`Carte ${serial} est reçue.`);
    await expect.poll(() => page.getByTestId("bootstrap-hand-over").count()).toBe(1);
    await expectAccessible(page, "carte reçue (amorçage)");
    await page.screenshot({ path: `${artifacts}20-amorcage-carte-recue.png`, fullPage: true });
  });

  it("hands the card over at the desk through the agent, the bootstrap session counting once, and she signs in with it", async () => {
    const letter = await fetch(`${platform.base}/cards/${cardId}/activation-letter`, { headers: { authorization: `Bearer ${platform.adminToken}` } });
    const code = ActivationLetters.codeOf(new Uint8Array(await letter.arrayBuffer())) as string;
    await page.getByLabel(/Motif de l'opération/).fill("remise en main propre de la première carte");
    await page.getByTestId(`card-${cardId}`).getByRole("button", { name: "Remettre la carte au titulaire" }).click();
    const form = page.getByRole("form", { name: /Remise de la carte/ });
    await form.getByLabel("Code d'activation", { exact: true }).fill(code);
    await form.getByLabel("Numéro de la pièce présentée").fill("CL7788990");
    // A card of the national site is handed over at ANTS's own desk.
    expect(await form.getByLabel("Lieu de la remise").inputValue()).toBe("ants");
    await form.getByLabel("Code PIN choisi par le titulaire").fill("314159");
    await form.getByLabel("Confirmation du code PIN").fill("314159");
    await expectAccessible(page, "remise (amorçage)");
    await form.getByRole("button", { name: "Remettre la carte" }).click();
    await expect.poll(() => feedback(page).textContent(), { timeout: 30_000 }).toContain("est remise et publiée");

    await page.getByRole("button", { name: "Se déconnecter" }).click();
    await page.getByLabel("Adresse de l'agent de carte").fill(platform.agentUrl);
    await page.getByLabel("Code PIN de la carte").fill("314159");
    await page.getByRole("button", { name: "Se connecter avec la carte" }).click();
    await expect.poll(() => page.getByTestId("session").textContent(), { timeout: 20_000 }).toContain(`avec la carte ${serial}`);
    const session = (await page.getByTestId("session").textContent()) ?? "";
    expect(session).toContain("Claire Lefèvre (administrateur national, niveau national)");
    expect(session).not.toContain("jeton d'amorçage");
    await expectAccessible(page, "première connexion par carte");
    await page.screenshot({ path: `${artifacts}21-amorcage-connexion-par-carte.png`, fullPage: true });
  });

  it("refuses the bootstrap session a second hand-over: a card is in force now", async () => {
    const other = await platform.api(platform.adminToken, "POST", "/agents", {
      identity: { birthName: "Roux", givenNames: ["Marc"], sex: "M", birthDate: "1980-01-02", placeOfBirth: { _tag: "commune", commune: "69123" } },
      document: {
        type: "passeport",
        number: "MR1122334",
        issuingAuthority: "Préfecture du Rhône",
        expiresOn: "2033-01-01",
        holder: { birthName: "ROUX", givenNames: ["Marc"], birthDate: "1980-01-02" },
        check: { by: "bootstrap-admin", on: new Date().toISOString().slice(0, 10), faceToFace: true },
      },
      contact: { email: "marc.roux@rhone.gouv.example" },
      site: { _tag: "national" },
      profile: { _tag: "agent" },
      rights: ["operate-cards"],
    });
    expect(other.status).toBe(201);
    const ordered = await platform.api(platform.adminToken, "POST", "/cards", { holder: (other.body as { id: string }).id, reason: "deuxième carte" });
    const second = (ordered.body as { id: string }).id;
    const made = (await platform.api(platform.adminToken, "POST", `/cards/${second}/production`, { reason: "fabrication" })).body as { serial: string };
    await platform.api(platform.adminToken, "POST", `/cards/${second}/shipment`, { reason: "envoi" });
    await platform.api(platform.adminToken, "POST", `/cards/${second}/receipt`, { serial: made.serial, reason: "reçue" });
    const refused = await platform.api(platform.adminToken, "POST", `/cards/${second}/hand-over`, {
      activationCode: "0000-0000-0000-0000",
      handOver: { document: { type: "passeport", number: "MR1122334" }, place: "ants" },
      agentKey: generateKeyPairSync("x25519").publicKey.export({ format: "der", type: "spki" }).toString("base64url"),
      reason: "seconde remise",
    });
    expect({ status: refused.status, code: (refused.body as { code: string }).code }).toEqual({ status: 403, code: "dual-control-required" });
  });
});
