// A shopper places an order through the web chat page in headless Chromium
// (the products come as cards with the catalog's pictures; picking one
// proposes it), reloads the page (the session must survive), and a
// screenshot is kept.
// Then a shop's own page on another origin embeds the widget: the bubble
// opens the chat in an iframe and the seller answers there too.
//
//   node webchat-order.mjs <gateway URL> <tenant> <brand> <screenshot.png>
//
// Prints {"order_number": "..."} on success; exits non-zero with the reason
// otherwise. Uses Debian's Chromium (CHROMIUM env var to override).
import http from 'node:http';
import { chromium } from 'playwright-core';

const [base = 'http://127.0.0.1:8080', tenant = 'demo', brand = 'fashion', shot = 'webchat-order.png'] =
  process.argv.slice(2);
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const fail = async (page, why) => {
  await page.screenshot({ path: shot.replace(/\.png$/, '-failed.png'), fullPage: true }).catch(() => {});
  console.error(`webchat: ${why}`);
  await browser.close();
  process.exit(1);
};

const page = await browser.newPage({ viewport: { width: 420, height: 860 } });
page.setDefaultTimeout(TIMEOUT);
const consoleErrors = [];
page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

const sellerEntries = () => page.locator('#transcript .entry.from-seller, #transcript .entry.from-system');
async function say(text) {
  const before = await sellerEntries().count();
  await page.fill('#message', text);
  await page.click('#send');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#transcript .entry.from-seller, #transcript .entry.from-system').length > n,
    before,
    { timeout: TIMEOUT },
  );
  // Let a reply of several parts finish arriving.
  await page.waitForTimeout(500);
  const all = await sellerEntries().allInnerTexts();
  return all.slice(before).join('\n');
}

try {
  await page.goto(`${base}/chat/${tenant}`);
  await page.fill('#name', 'Ana');
  await page.click(`.brand[data-brand="${brand}"]`);
  await page.waitForSelector('#message:not([disabled])');

  await say('hi');
  const found = await say('show me sneakers');
  if (!/sneaker/i.test(found)) await fail(page, `no sneakers offered: ${found}`);
  // The products come as cards with the catalog's pictures (loaded, so the
  // page's CSP lets them in) and a pick button.
  const card = page.locator('#transcript .card').first();
  await card.waitFor();
  const picture = await card.locator('.card-image').evaluate((img) => ({ src: img.src, width: img.naturalWidth }))
    .catch(() => null);
  if (!picture || !/\/images\/.+\.png$/.test(picture.src) || picture.width === 0) {
    await fail(page, `no picture from the catalog on the card: ${JSON.stringify(picture)}`);
  }
  const before = await sellerEntries().count();
  await card.locator('.card-pick').click();
  await page.waitForFunction(
    (n) => document.querySelectorAll('#transcript .entry.from-seller, #transcript .entry.from-system').length > n,
    before,
    { timeout: TIMEOUT },
  );
  const picked = (await sellerEntries().allInnerTexts()).slice(before).join('\n');
  if (!/BRL/.test(picked)) await fail(page, `picking a card proposed nothing: ${picked}`);
  const confirm = await say('2 of 2');
  if (!/BRL/.test(confirm)) await fail(page, `no total before confirming: ${confirm}`);
  const placed = await say('yes');
  const number = placed.match(/\b([A-Z]{2,}-\d+)\b/)?.[1];
  if (!number) await fail(page, `no order number in: ${placed}`);

  // The session survives a reload: the transcript comes back.
  const entries = await page.locator('#transcript .entry').count();
  await page.reload();
  await page.waitForFunction(
    (n) => document.querySelectorAll('#transcript .entry').length >= n,
    entries,
    { timeout: TIMEOUT },
  );
  const after = await page.locator('#transcript').innerText();
  if (!after.includes(number)) await fail(page, `the order is gone after a reload`);

  await page.screenshot({ path: shot, fullPage: true });
  if (consoleErrors.length) await fail(page, `console errors: ${consoleErrors.join('; ')}`);

  // The widget on a shop's own site (another origin).
  const shop = http.createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>A shop</title><h1>Our shop</h1>
      <script src="${base}/chat/${tenant}/widget.js" data-brand="${brand}" async></script>`);
  });
  await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const site = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  site.setDefaultTimeout(TIMEOUT);
  await site.goto(`http://127.0.0.1:${shop.address().port}/`);
  await site.click('#agent-store-chat-bubble');
  const chat = site.frameLocator('#agent-store-chat-panel iframe');
  await chat.locator('#message:not([disabled])').waitFor();
  await chat.locator('#message').fill('hi');
  await chat.locator('#send').click();
  await chat.locator('#transcript .entry.from-seller').first().waitFor();
  const widgetShot = shot.replace(/\.png$/, '-widget.png');
  await site.screenshot({ path: widgetShot });
  shop.close();

  console.log(JSON.stringify({ order_number: number, entries, screenshot: shot, widget: widgetShot }));
} catch (error) {
  await fail(page, error.message);
}
await browser.close();
