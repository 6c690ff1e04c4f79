// A human seller works the inbox in headless Chromium, next to a shopper on
// the web chat page:
//
//   - the owner signs in and invites a seller, who joins through the link;
//   - a shopper looks at products, then asks for a person; the escalation
//     appears in the seller's inbox live (no reload);
//   - the seller claims it, sees the transcript with a product card, sends
//     the suggested reply edited, sends a product, creates an order with
//     the catalog's prices and hands the conversation back to the AI; the
//     shopper's page shows each message; the owner's page shows the
//     conversation as the seller's while they have it;
//   - on a second conversation the seller takes over from the AI before any
//     escalation, and the AI stays silent.
//
// Screenshots of the inbox, a conversation and the report page are kept.
//
//   node inbox.mjs <gateway URL> <inbox URL> <tenant> <brand> <owner email> <owner password> <artifacts dir>
//
// Prints a JSON summary on success; exits non-zero with the reason otherwise.
import { chromium } from 'playwright-core';

const [gateway, inbox, tenant, brand, ownerEmail, ownerPassword, artifacts = 'artifacts'] =
  process.argv.slice(2);
if (!ownerPassword) {
  console.error('usage: node inbox.mjs <gateway> <inbox> <tenant> <brand> <owner email> <owner password> [artifacts]');
  process.exit(2);
}
const TIMEOUT = 30_000;
const stamp = Date.now().toString(36);
const sellerEmail = `ana.${stamp}@${tenant}.test`;
const sellerPassword = `ana-password-${stamp}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const pages = [];
const consoleErrors = [];
async function open(name, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // Product pictures live on the shops' own hosts, which this machine
  // cannot reach: only those may fail to load.
  page.on('requestfailed', (r) => {
    // A page left while its event stream is open aborts it: not an error.
    if (r.resourceType() !== 'image' && r.failure()?.errorText !== 'net::ERR_ABORTED') consoleErrors.push(`${name}: ${r.url()} failed: ${r.failure()?.errorText}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/net::ERR_NAME_NOT_RESOLVED/.test(m.text())) consoleErrors.push(`${name}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${name}: ${e.message}`));
  pages.push([name, page]);
  return page;
}
async function fail(why) {
  for (const [name, page] of pages) {
    await page.screenshot({ path: `${artifacts}/inbox-failed-${name}.png`, fullPage: true }).catch(() => {});
  }
  console.error(`inbox: ${why}`);
  await browser.close();
  process.exit(1);
}
const step = (what) => console.error(`inbox: ${what}`);

// ---- the shopper's side (the gateway's web chat page) ----
async function shopper(name) {
  const page = await open(`shopper-${name}`, { width: 420, height: 860 });
  await page.goto(`${gateway}/chat/${tenant}`);
  await page.fill('#name', name);
  await page.click(`.brand[data-brand="${brand}"]`);
  await page.waitForSelector('#message:not([disabled])');
  return page;
}
const answers = (page) => page.locator('#transcript .entry.from-seller, #transcript .entry.from-system, #transcript .entry.from-human');
async function say(page, text) {
  const before = await answers(page).count();
  await page.fill('#message', text);
  await page.click('#send');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#transcript .entry.from-seller, #transcript .entry.from-system, #transcript .entry.from-human').length > n,
    before,
  );
  await page.waitForTimeout(500);
  return (await answers(page).allInnerTexts()).slice(before).join('\n');
}
async function shopperSees(page, pattern, what) {
  try {
    await page.waitForFunction(
      (source) => new RegExp(source, 'i').test(document.querySelector('#transcript')?.innerText ?? ''),
      pattern.source,
    );
  } catch {
    await fail(`the shopper's page never showed ${what}`);
  }
}

// ---- the sellers' side ----
async function signIn(page, email, password) {
  await page.goto(`${inbox}/inbox/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type="submit"]');
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
}
async function conversationRow(page, list, customer) {
  return page.locator(`${list} li.row`, { hasText: customer }).first();
}

try {
  // 1. The owner signs in and invites a seller.
  step('the owner signs in and invites a seller');
  const owner = await open('owner', { width: 1280, height: 900 });
  await signIn(owner, ownerEmail, ownerPassword);
  await owner.goto(`${inbox}/inbox/team`);
  await owner.fill('#invite-email', sellerEmail);
  await owner.selectOption('#invite-role', 'seller');
  await owner.fill('#invite-brands', brand);
  await owner.click('form:has(#invite-email) button[type="submit"]');
  const link = await owner.inputValue('#invitation-link');
  if (!link.includes('/inbox/invitations/')) await fail(`no invitation link: ${link}`);

  // 2. The seller joins through the link.
  step('the seller joins');
  const seller = await open('seller', { width: 1280, height: 900 });
  await seller.goto(link.replace(/^https?:\/\/[^/]+/, inbox));
  await seller.fill('#name', 'Ana');
  await seller.fill('#password', sellerPassword);
  await seller.click('button[type="submit"]');
  await seller.goto(`${inbox}/inbox`);
  await seller.waitForSelector('#inbox[data-connected="true"]');
  // A marker that a reload would wipe: the escalation must arrive without one.
  await seller.evaluate(() => { window.notReloaded = true; });

  // 3. A shopper looks at products, then asks for a person.
  step('a shopper asks for a person');
  const shopperName = `Bea ${stamp}`;
  const bea = await shopper(shopperName);
  await say(bea, 'hi');
  const offered = await say(bea, 'show me sneakers');
  if (!/sneaker/i.test(offered)) await fail(`no sneakers offered: ${offered}`);
  await say(bea, 'I want to talk to a person');

  // 4. The escalation appears live in the seller's inbox.
  step('the escalation appears live');
  const row = await conversationRow(seller, '#queue', shopperName);
  await row.waitFor();
  if (!(await seller.evaluate(() => window.notReloaded === true))) await fail('the inbox reloaded');
  // The cue: the tab title and the badge count what arrived unseen.
  await seller.waitForFunction(() => /^\(\d+\) /.test(document.title));
  const title = await seller.title();
  if (!(await seller.locator('#unread').isVisible())) await fail('no unread badge');
  await seller.screenshot({ path: `${artifacts}/inbox.png`, fullPage: true });

  // 5. The seller claims it and sees the transcript with a product card.
  step('the seller claims it');
  await row.locator('a').click();
  await seller.waitForSelector('#conversation[data-connected="true"]');
  await seller.click('#claim');
  await seller.waitForFunction(() => /You have it/.test(document.querySelector('#conv-status')?.textContent ?? ''));
  await seller.locator('#transcript .product-card').first().waitFor();

  // 6. The owner's page shows the conversation as taken.
  step("another seller's page shows it taken");
  await owner.goto(`${inbox}/inbox?view=all`);
  const taken = await conversationRow(owner, '#queue', shopperName);
  await taken.waitFor();
  if (!/Ana has it/.test(await taken.innerText())) await fail(`the owner's inbox does not show Ana has it: ${await taken.innerText()}`);

  // 7. A suggested reply, edited, then sent.
  step('the seller sends the suggested reply, edited');
  await seller.click('#suggest');
  await seller.waitForFunction(() => (document.querySelector('#reply-text')?.value ?? '').trim().length > 0);
  const draft = await seller.inputValue('#reply-text');
  const edited = `${draft.trim()} (Ana from the team)`;
  await seller.fill('#reply-text', edited);
  await seller.click('#send-reply');
  await seller.locator('#transcript .entry.from-human', { hasText: 'Ana from the team' }).waitFor();
  await shopperSees(bea, /Ana from the team/, 'the edited reply');

  // 8. A product from the catalog.
  step('the seller sends a product');
  await seller.fill('#product-q', 'sneakers');
  await seller.click('#product-search button[type="submit"]');
  const result = seller.locator('#product-results .product-result').first();
  await result.waitFor();
  const productName = await result.locator('.product-name').innerText();
  const humanCards = seller.locator('#transcript .entry.from-human .product-card');
  const cardsBefore = await humanCards.count();
  await result.locator('.send-product').click();
  await seller.waitForFunction(
    (n) => document.querySelectorAll('#transcript .entry.from-human .product-card').length > n,
    cardsBefore,
  );
  await shopperSees(bea, new RegExp(productName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the product');

  // 9. An order with the catalog's prices (the form has no price field).
  step('the seller creates an order');
  if (await seller.locator('#order-builder input[name*="price" i]').count()) await fail('the order form has a price field');
  await result.locator('.add-to-order').click();
  await seller.click('#create-order');
  await seller.waitForFunction(() => /Order [A-Z]{2,}-\d+ created/.test(document.querySelector('#order-result')?.textContent ?? ''));
  const created = await seller.locator('#order-result').innerText();
  const number = created.match(/([A-Z]{2,}-\d+)/)[1];
  await seller.locator(`#transcript .order-card[data-order="${number}"]`).waitFor();
  await shopperSees(bea, new RegExp(number), 'the order');
  await seller.screenshot({ path: `${artifacts}/inbox-conversation.png`, fullPage: true });

  // 10. Back to the AI.
  step('the seller hands back to the AI');
  await seller.click('#hand-back');
  await seller.waitForFunction(() => /AI seller is answering/.test(document.querySelector('#conv-status')?.textContent ?? ''));
  const afterHandBack = await say(bea, 'thanks! show me sneakers again');
  if (!afterHandBack.trim()) await fail('the AI did not answer after the hand-back');

  // 11. Another conversation: take over before any escalation.
  step('the seller takes over a conversation from the AI');
  const carlosName = `Carlos ${stamp}`;
  const carlos = await shopper(carlosName);
  await say(carlos, 'hi');
  await seller.goto(`${inbox}/inbox`);
  const watched = await conversationRow(seller, '#watching', carlosName);
  await watched.waitFor();
  await watched.locator('a').click();
  await seller.waitForSelector('#conversation[data-connected="true"]');
  await seller.click('#take-over');
  await seller.waitForFunction(() => /You have it/.test(document.querySelector('#conv-status')?.textContent ?? ''));
  await shopperSees(carlos, /Ana.*joined/, 'that a person joined');
  const aiBefore = await carlos.locator('#transcript .entry.from-seller').count();
  await carlos.fill('#message', 'show me sneakers');
  await carlos.click('#send');
  // The shopper's message reaches the seller live…
  await seller.locator('#transcript .entry.from-shopper', { hasText: 'show me sneakers' }).waitFor();
  // …and the AI, which would answer a search within a second or two, stays silent.
  await carlos.waitForTimeout(6000);
  const aiAfter = await carlos.locator('#transcript .entry.from-seller').count();
  if (aiAfter !== aiBefore) await fail(`the AI answered ${aiAfter - aiBefore} time(s) after the take-over`);

  // 12. The owner's report page.
  step('the report page');
  await owner.goto(`${inbox}/inbox/reports`);
  await owner.locator('svg').first().waitFor();
  await owner.screenshot({ path: `${artifacts}/inbox-report.png`, fullPage: true });

  if (consoleErrors.length) await fail(`console errors: ${consoleErrors.join('; ')}`);
  console.log(JSON.stringify({
    seller: sellerEmail, order_number: number, tab_title: title,
    screenshots: ['inbox.png', 'inbox-conversation.png', 'inbox-report.png'].map((f) => `${artifacts}/${f}`),
  }));
} catch (error) {
  await fail(error.message);
}
await browser.close();
