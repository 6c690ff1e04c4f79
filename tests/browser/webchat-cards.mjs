// The web chat page's product cards, without a browser: the page's own
// script (services/gateway/assets/chat.js) runs on a small stand-in for the
// DOM, fetch and EventSource; a seller entry with a product_cards part is
// streamed to it, and the test checks the card (picture, name, price, pick
// button) and that the pick button sends the card's pick id as an
// interactive reply. Plain Node.js, no dependencies:
//
//   node tests/browser/webchat-cards.mjs
//
// Exits non-zero with the reason when something is wrong.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const script = readFileSync(
  fileURLToPath(new URL('../../services/gateway/assets/chat.js', import.meta.url)),
  'utf8',
);
const fail = (why) => {
  console.error(`webchat-cards: ${why}`);
  process.exit(1);
};
if (/innerHTML|insertAdjacentHTML|document\.write/.test(script)) fail('the page writes HTML from strings');

class Node {
  constructor(tag) {
    this.tagName = tag;
    this.children = [];
    this.dataset = {};
    this.listeners = {};
    this.className = '';
    this.hidden = false;
    this.disabled = false;
    this.value = '';
    this.text = '';
    this.attributes = {};
    this.parent = null;
  }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(''); }
  set textContent(value) { this.children = []; this.text = String(value); }
  appendChild(child) { child.parent = this; this.children.push(child); return child; }
  insertBefore(child, before) {
    child.parent = this;
    const at = before ? this.children.indexOf(before) : -1;
    if (at < 0) this.children.push(child); else this.children.splice(at, 0, child);
    return child;
  }
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
  dispatch(type, event = {}) { for (const fn of this.listeners[type] || []) fn({ preventDefault() {}, ...event }); }
  click() { this.dispatch('click'); }
  setAttribute(name, value) { this.attributes[name] = value; }
  focus() {}
  get scrollHeight() { return 0; }
  classes() { return this.className.split(/\s+/).filter(Boolean); }
  all(predicate, out = []) {
    for (const c of this.children) {
      if (predicate(c)) out.push(c);
      c.all(predicate, out);
    }
    return out;
  }
  querySelectorAll(selector) {
    const cls = selector.replace(/^\./, '');
    return this.all((n) => n.classes().includes(cls));
  }
}
class TextNode extends Node {
  constructor(text) { super('#text'); this.text = String(text); }
}

const ids = ['avatar', 'shop-name', 'brand-name', 'change-brand', 'picker', 'brands', 'name', 'chat',
  'transcript', 'typing', 'error', 'status', 'composer', 'message', 'send', 'loading'];
const byId = Object.fromEntries(ids.map((id) => [id, new Node('div')]));
const document = {
  body: Object.assign(new Node('body'), { dataset: { tenant: 'demo' }, classList: { add() {} } }),
  title: '',
  getElementById: (id) => byId[id],
  createElement: (tag) => new Node(tag),
  createTextNode: (text) => new TextNode(text),
};

const posted = [];
const streams = [];
class FakeEventSource extends Node {
  constructor(url) { super('eventsource'); this.url = url; this.readyState = 1; streams.push(this); }
  close() { this.readyState = 2; }
}
FakeEventSource.CLOSED = 2;

async function fakeFetch(url, { method = 'GET', body } = {}) {
  const json = (status, data) => ({ ok: status < 400, status, headers: { get: () => null }, json: async () => data });
  if (url.endsWith('/brands')) return json(200, { tenant: { name: 'Demo' }, brands: [{ id: 'fashion', name: 'Moda Viva' }] });
  if (method === 'POST' && url.endsWith('/sessions')) return json(201, { session_id: 's1', token: 'tok' });
  if (method === 'POST' && url.endsWith('/sessions/s1/messages')) {
    posted.push(JSON.parse(body));
    return json(202, { seq: 10 + posted.length });
  }
  return json(404, { detail: `no ${method} ${url}` });
}

const storage = new Map();
const context = vm.createContext({
  document,
  window: {},
  location: { pathname: '/chat/demo', search: '?brand=fashion' },
  history: { replaceState() {} },
  localStorage: {
    getItem: (k) => (storage.has(k) ? storage.get(k) : null),
    setItem: (k, v) => storage.set(k, String(v)),
    removeItem: (k) => storage.delete(k),
  },
  fetch: fakeFetch,
  EventSource: FakeEventSource,
  URLSearchParams,
  crypto: globalThis.crypto,
  setTimeout,
  clearTimeout,
  Date,
  Number,
  JSON,
  Math,
  console,
});
context.window.crypto = globalThis.crypto;
vm.runInContext(script, context);

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
for (let i = 0; i < 20 && streams.length === 0; i += 1) await settle();
if (streams.length !== 1) fail('the page opened no event stream');

const entry = {
  seq: 1,
  from: 'seller',
  sent_at: new Date().toISOString(),
  parts: [{
    kind: 'product_cards',
    text: 'Here is what I found:',
    button_label: 'See products',
    pick_label: 'Elegir',
    cards: [
      { pick_id: 'pick:1', title: 'Classic Sneakers', price_display: 'BRL 299.90', image_url: 'http://127.0.0.1:8081/images/demo/FASHION-0701.png' },
      { pick_id: 'pick:2', title: 'Urban <b>Sneakers</b>', price_display: 'BRL 309.90', description: '3 in stock' },
    ],
  }],
};
streams[0].dispatch('message', { data: JSON.stringify(entry) });
await settle();

const transcript = byId.transcript;
const cards = transcript.querySelectorAll('.card');
if (cards.length !== 2) fail(`expected 2 cards, got ${cards.length}`);
const [first, second] = cards;
const img = first.querySelectorAll('.card-image')[0];
if (!img || img.src !== entry.parts[0].cards[0].image_url) fail('the first card has no picture from the catalog');
if (img.alt !== 'Classic Sneakers') fail(`picture alt is ${img.alt}`);
if (first.querySelectorAll('.card-title')[0]?.textContent !== 'Classic Sneakers') fail('no name on the card');
if (first.querySelectorAll('.card-price')[0]?.textContent !== 'BRL 299.90') fail('no price on the card');
if (second.querySelectorAll('.card-image').length !== 0) fail('a card without a picture shows one');
if (second.querySelectorAll('.card-title')[0]?.textContent !== 'Urban <b>Sneakers</b>') fail('the title is not kept as text');
if (second.querySelectorAll('.card-desc')[0]?.textContent !== '3 in stock') fail('no description');
const pick = second.querySelectorAll('.card-pick')[0];
if (!pick || pick.textContent !== 'Elegir' || pick.dataset.replyId !== 'pick:2') fail('no pick button');
if (pick.disabled) fail('the pick button is disabled while the chat is open');

// A picture that fails to load leaves the card as text.
img.dispatch('error');
if (first.querySelectorAll('.card-image').length !== 0) fail('a broken picture stays');

pick.click();
await settle();
if (posted.length !== 1) fail(`expected one message sent, got ${posted.length}`);
const reply = posted[0].reply;
if (!reply || reply.id !== 'pick:2' || reply.title !== 'Urban <b>Sneakers</b>') fail(`sent ${JSON.stringify(posted[0])}`);
if (posted[0].text !== undefined) fail('a pick is sent as text');
const shown = transcript.querySelectorAll('from-shopper');
if (shown.length !== 1 || !shown[0].textContent.includes('Urban <b>Sneakers</b>')) fail('the pick is not shown as the shopper\'s message');

console.log(JSON.stringify({ cards: cards.length, sent: reply }));
