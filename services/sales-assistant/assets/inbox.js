// The inbox's little script (no build step, no library): live updates over
// server-sent events, actions sent with fetch() and the session's CSRF
// token, the reply box's counter and suggested reply, product lookup and
// the order builder. Without it every form still works (a plain POST and a
// redirect back); with it nothing reloads. Text from shoppers, products and
// sellers is only ever put in the page with textContent.
'use strict';

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
  const live = document.querySelector('[data-live]');
  if (!live) return;
  const page = live.dataset.live;
  const conversationId = live.dataset.conversation;
  const base = live.dataset.base;
  const notice = document.getElementById('notice');
  const baseTitle = document.title;
  let unread = 0;

  // ---- talking to the server ----
  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Accept': 'application/json',
        'Content-Type': 'application/json',
        'X-CSRF-Token': csrf,
      },
      body: JSON.stringify(body ?? {}),
      credentials: 'same-origin',
    });
    let data = {};
    try { data = await response.json(); } catch { /* an empty body */ }
    if (!response.ok) {
      throw new Error(data.detail || `The server answered ${response.status}`);
    }
    return data;
  }

  function say(text, isError) {
    if (!notice) return;
    notice.textContent = text;
    notice.classList.toggle('notice-error', Boolean(isError));
    notice.hidden = !text;
  }

  // Fetches this page again and swaps the live parts in (the reply box
  // and the product panel keep what the seller is typing).
  let refreshing = null;
  let again = false;
  async function refresh() {
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async () => {
      try {
        const response = await fetch(location.href, { headers: { 'Accept': 'text/html' }, credentials: 'same-origin' });
        if (response.redirected && new URL(response.url).pathname.endsWith('/sign-in')) {
          location.reload();
          return;
        }
        if (!response.ok) return;
        const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
        const ids = page === 'list' ? ['lists'] : ['conv-header', 'transcript', 'orders'];
        const transcript = document.getElementById('transcript');
        const atBottom = transcript && (window.innerHeight + window.scrollY >= document.body.scrollHeight - 40);
        for (const id of ids) {
          const fresh = doc.getElementById(id);
          const current = document.getElementById(id);
          if (fresh && current) current.replaceChildren(...fresh.childNodes);
        }
        wireForms(document);
        if (atBottom) window.scrollTo(0, document.body.scrollHeight);
      } finally {
        refreshing = null;
        if (again) { again = false; refresh(); }
      }
    })();
    return refreshing;
  }

  // ---- attention: unread count, tab title, a short beep ----
  // What arrived since the seller last used the page: counted in the tab
  // title and the badge until they come back to it (focus, a click, a key).
  function bump(count) {
    unread += count;
    showUnread();
  }
  function showUnread() {
    const badge = document.getElementById('unread');
    document.title = unread > 0 ? `(${unread}) ${baseTitle}` : baseTitle;
    if (badge) {
      badge.textContent = unread > 0 ? `${unread} new` : '';
      badge.hidden = unread === 0;
    }
  }
  const seen = () => { if (unread) { unread = 0; showUnread(); } };
  window.addEventListener('focus', seen);
  document.addEventListener('pointerdown', seen);
  document.addEventListener('keydown', seen);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) seen();
  });

  let audio = null;
  // Browsers allow sound only after the page was used once.
  document.addEventListener('pointerdown', () => {
    if (!audio && window.AudioContext) audio = new AudioContext();
  }, { once: true });
  function beep() {
    if (!audio) return;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.35);
  }

  // ---- live updates ----
  function connect() {
    const events = new EventSource('/inbox/events');
    events.addEventListener('change', (message) => {
      let change;
      try { change = JSON.parse(message.data); } catch { return; }
      if (page === 'conversation' && change.conversation !== conversationId) {
        if (change.kind === 'escalation') { bump(1); beep(); }
        return;
      }
      if (change.kind === 'escalation') { bump(1); beep(); }
      else if (change.kind === 'message') bump(1);
      refresh();
    });
    events.addEventListener('open', () => live.classList.remove('offline'));
    events.addEventListener('error', () => live.classList.add('offline'));
    return events;
  }
  connect();
  live.dataset.connected = 'true';

  // ---- action forms (claim, take over, hand back, reply, cancel…) ----
  function formBody(form) {
    const body = {};
    for (const [key, value] of new FormData(form)) {
      if (key !== 'csrf') body[key] = value;
    }
    return body;
  }
  function wireForms(root) {
    for (const form of root.querySelectorAll('form.js-action')) {
      if (form.dataset.wired) continue;
      form.dataset.wired = 'true';
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const button = form.querySelector('button[type="submit"]');
        if (button) button.disabled = true;
        try {
          const answer = await post(form.action, formBody(form));
          say(answer.message || '', false);
          if (form.dataset.reset) {
            form.reset();
            countReply();
            const source = document.getElementById('draft-source');
            if (source) source.hidden = true;
          }
          if (answer.outcome) say(`Order ${answer.order_number ?? ''}: ${answer.outcome.replaceAll('_', ' ')}`, answer.outcome !== 'cancelled');
          await refresh();
        } catch (error) {
          say(error.message, true);
        } finally {
          if (button) button.disabled = false;
        }
      });
    }
  }
  wireForms(document);

  if (page !== 'conversation') return;

  // ---- the reply box ----
  const replyText = document.getElementById('reply-text');
  const replyCount = document.getElementById('reply-count');
  function countReply() {
    if (replyText && replyCount) replyCount.textContent = `${replyText.value.length} / 4096`;
  }
  replyText?.addEventListener('input', countReply);

  const suggest = document.getElementById('suggest');
  suggest?.addEventListener('click', async () => {
    suggest.disabled = true;
    say('Asking the AI seller for a suggestion…', false);
    try {
      const draft = await post(suggest.dataset.action, {});
      replyText.value = draft.text;
      countReply();
      replyText.focus();
      const source = document.getElementById('draft-source');
      source.textContent = draft.source === 'llm' ? 'Suggested by the AI: edit it or send it' : 'Suggested by the AI (offline brain): edit it or send it';
      source.hidden = false;
      say('', false);
    } catch (error) {
      say(error.message, true);
    } finally {
      suggest.disabled = false;
    }
  });

  // ---- products: lookup, send, order ----
  const search = document.getElementById('product-search');
  const results = document.getElementById('product-results');
  const builder = document.getElementById('order-builder');
  const items = document.getElementById('order-items');
  const picked = new Map();

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  search?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = new FormData(search).get('q');
    results.replaceChildren(element('li', 'muted', 'Searching…'));
    try {
      const response = await fetch(`${search.action}?q=${encodeURIComponent(query)}`, {
        headers: { 'Accept': 'application/json' }, credentials: 'same-origin',
      });
      const data = await response.json();
      if (!response.ok) throw new Error(data.detail || 'The catalog did not answer');
      results.replaceChildren();
      if (data.products.length === 0) results.append(element('li', 'muted', 'Nothing found.'));
      // A product with several variants (sizes, colours) is one row per
      // variant: an order names the variant.
      const choices = data.products.flatMap((product) => (product.variants?.length
        ? product.variants.map((v) => ({ ...product, name: v.name, price: v.price, stock: v.stock, variant_id: v.id }))
        : [product]));
      for (const product of choices) {
        const row = element('li', 'product-result');
        row.dataset.product = product.id;
        row.append(
          element('span', 'product-name', product.name),
          element('span', 'product-price', product.price),
          element('span', 'product-stock', `${product.stock} in stock`),
        );
        const send = element('button', 'secondary send-product', 'Send to shopper');
        send.type = 'button';
        send.addEventListener('click', async () => {
          send.disabled = true;
          try {
            const answer = await post(`${base}/send-product`, { product_id: product.id });
            say(answer.message || `Sent ${product.name}`, false);
            await refresh();
          } catch (error) { say(error.message, true); } finally { send.disabled = false; }
        });
        const add = element('button', 'secondary add-to-order', 'Add to order');
        add.type = 'button';
        add.addEventListener('click', () => addItem(product));
        row.append(send, add);
        results.append(row);
      }
    } catch (error) {
      results.replaceChildren(element('li', 'notice-error', error.message));
    }
  });

  function addItem(product) {
    const key = `${product.id}/${product.variant_id ?? ''}`;
    if (!picked.has(key)) {
      const row = element('li', 'order-item');
      const name = element('span', '', product.name);
      const quantity = element('input');
      quantity.type = 'number';
      quantity.min = '1';
      quantity.max = '99';
      quantity.value = '1';
      quantity.setAttribute('aria-label', `Quantity of ${product.name}`);
      const remove = element('button', 'link-button', 'Remove');
      remove.type = 'button';
      remove.addEventListener('click', () => {
        picked.delete(key);
        row.remove();
        builder.hidden = picked.size === 0;
      });
      row.append(name, quantity, remove);
      items.append(row);
      picked.set(key, { product, quantity });
    }
    builder.hidden = false;
  }

  const createOrder = document.getElementById('create-order');
  createOrder?.addEventListener('click', async () => {
    const orderResult = document.getElementById('order-result');
    const lines = [...picked.values()].map(({ product, quantity }) => ({
      product_id: product.id,
      ...(product.variant_id ? { variant_id: product.variant_id } : {}),
      quantity: Number(quantity.value),
    }));
    createOrder.disabled = true;
    try {
      const answer = await post(createOrder.dataset.action, { items: lines });
      const order = answer.order;
      orderResult.replaceChildren(element('p', 'notice', `Order ${order.number} created: ${order.total}`));
      for (const line of order.lines) {
        orderResult.append(element('p', 'muted', `${line.quantity} × ${line.name} — ${line.line_total}`));
      }
      picked.clear();
      items.replaceChildren();
      builder.hidden = true;
      await refresh();
    } catch (error) {
      orderResult.replaceChildren(element('p', 'notice notice-error', error.message));
    } finally {
      createOrder.disabled = false;
    }
  });

  countReply();
  window.scrollTo(0, document.body.scrollHeight);
})();
