// The web chat page: brand picker, transcript, live replies (server-sent
// events) and the composer. No dependencies; speaks docs/WEBCHAT.md.
(() => {
  'use strict';

  const tenant = document.body.dataset.tenant;
  // `/chat/<tenant>`, whatever prefix a proxy puts in front.
  const base = location.pathname.replace(/\/+$/, '');
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const ui = {
    avatar: $('avatar'),
    shopName: $('shop-name'),
    brandName: $('brand-name'),
    changeBrand: $('change-brand'),
    picker: $('picker'),
    brands: $('brands'),
    name: $('name'),
    chat: $('chat'),
    transcript: $('transcript'),
    typing: $('typing'),
    error: $('error'),
    status: $('status'),
    composer: $('composer'),
    message: $('message'),
    send: $('send'),
    loading: $('loading'),
  };
  if (params.get('embed') === '1') document.body.classList.add('embed');

  let brands = [];
  let current = null; // { brand, session_id, token }
  let source = null; // EventSource
  let lastSeq = 0;
  let sending = false;
  let failed = null; // { key, id }: a failed send, retried with the same id
  let typingTimer = null;
  const seen = new Set();

  const storageKey = (brand) => `agent-store.webchat.${tenant}.${brand}`;
  const lastBrandKey = `agent-store.webchat.${tenant}.last-brand`;
  function lastBrand() {
    try { return localStorage.getItem(lastBrandKey); } catch (_) { return null; }
  }
  function loadSession(brand) {
    try {
      const stored = JSON.parse(localStorage.getItem(storageKey(brand)) || 'null');
      return stored && stored.session_id && stored.token ? stored : null;
    } catch (_) {
      return null;
    }
  }
  function saveSession(brand, session) {
    try {
      localStorage.setItem(storageKey(brand), JSON.stringify(session));
    } catch (_) { /* private mode: the session lasts as long as the page */ }
  }
  function forgetSession(brand) {
    try { localStorage.removeItem(storageKey(brand)); } catch (_) { /* nothing stored */ }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  async function api(path, { method = 'GET', body, token } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      const error = new Error('Cannot reach the shop. Check your connection and try again.');
      error.status = 0;
      throw error;
    }
    let data = null;
    try { data = await response.json(); } catch (_) { /* empty body */ }
    if (!response.ok) {
      let message;
      if (response.status === 429) {
        // Rate limited: Retry-After says how many seconds to wait.
        const wait = Math.max(1, parseInt(response.headers.get('Retry-After'), 10) || 1);
        message = `You're sending messages too fast — try again in ${wait} s`;
      } else if (response.status === 503) {
        message = 'The shop is busy right now. Please try again in a moment.';
      } else {
        message = (data && data.detail) || `Something went wrong (${response.status}).`;
      }
      const error = new Error(message);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
  }
  function clearError() {
    ui.error.hidden = true;
    ui.error.textContent = '';
  }
  function setStatus(text) { ui.status.textContent = text; }
  function setComposer(enabled) {
    ui.message.disabled = !enabled;
    ui.send.disabled = !enabled;
    for (const chip of ui.transcript.querySelectorAll('.chip')) chip.disabled = !enabled;
  }
  function showTyping(on) {
    clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (on) typingTimer = setTimeout(() => { ui.typing.hidden = true; }, 60000);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function chip(id, title, description) {
    const button = el('button', 'chip', title);
    button.type = 'button';
    button.dataset.replyId = id;
    if (description) button.appendChild(el('small', null, description));
    button.disabled = sending || !current;
    button.addEventListener('click', () => send({ reply: { id, title } }, title));
    return button;
  }

  // A product card: picture (when there is one), name, price and a button
  // that picks it, answering with its pick id as a list row does.
  function productCard(card, pickLabel) {
    const item = el('article', 'card');
    item.dataset.pickId = card.pick_id;
    if (card.image_url) {
      const img = el('img', 'card-image');
      img.src = card.image_url;
      img.alt = card.title;
      img.loading = 'lazy';
      // A picture that cannot be loaded leaves the card as text.
      img.addEventListener('error', () => img.remove());
      item.appendChild(img);
    }
    item.appendChild(el('div', 'card-title', card.title));
    item.appendChild(el('div', 'card-price', card.price_display));
    if (card.description) item.appendChild(el('div', 'card-desc', card.description));
    const pick = el('button', 'chip card-pick', pickLabel || 'Pick');
    pick.type = 'button';
    pick.dataset.replyId = card.pick_id;
    pick.disabled = sending || !current;
    pick.addEventListener('click', () => send({ reply: { id: card.pick_id, title: card.title } }, card.title));
    item.appendChild(pick);
    return item;
  }

  function renderPart(part) {
    const node = el('div', `part part-${part.kind}`);
    switch (part.kind) {
      case 'text':
        node.textContent = part.text;
        break;
      case 'buttons': {
        node.appendChild(document.createTextNode(part.text));
        const chips = el('div', 'chips');
        for (const b of part.buttons || []) chips.appendChild(chip(b.id, b.title));
        node.appendChild(chips);
        break;
      }
      case 'list': {
        node.appendChild(document.createTextNode(part.text));
        const chips = el('div', 'chips');
        for (const section of part.sections || []) {
          if (section.title) chips.appendChild(el('div', 'section-title', section.title));
          for (const row of section.rows || []) chips.appendChild(chip(row.id, row.title, row.description));
        }
        node.appendChild(chips);
        break;
      }
      case 'image': {
        const img = el('img');
        img.src = part.url;
        img.alt = part.caption || 'Picture';
        img.loading = 'lazy';
        node.appendChild(img);
        if (part.caption) node.appendChild(el('div', 'caption', part.caption));
        break;
      }
      case 'product_cards': {
        node.appendChild(document.createTextNode(part.text));
        const cards = el('div', 'cards');
        for (const card of part.cards || []) cards.appendChild(productCard(card, part.pick_label));
        node.appendChild(cards);
        break;
      }
      case 'products': {
        if (part.text) node.appendChild(document.createTextNode(part.text));
        const list = el('ul', 'products');
        for (const id of part.product_ids || []) {
          const item = el('li', 'product', id);
          item.dataset.productId = id;
          list.appendChild(item);
        }
        node.appendChild(list);
        break;
      }
      default:
        node.textContent = part.text || '';
    }
    return node;
  }

  const authorLabel = { seller: null, human: 'Human seller', system: null, shopper: null };

  function render(entry) {
    if (!entry || typeof entry.seq !== 'number' || seen.has(entry.seq)) return;
    seen.add(entry.seq);
    lastSeq = Math.max(lastSeq, entry.seq);
    const item = el('li', `entry from-${entry.from}`);
    item.dataset.seq = String(entry.seq);
    if (authorLabel[entry.from]) item.appendChild(el('div', 'who', authorLabel[entry.from]));
    for (const part of entry.parts || []) item.appendChild(renderPart(part));
    const time = new Date(entry.sent_at);
    if (!Number.isNaN(time.getTime())) {
      item.appendChild(el('div', 'time', time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    }
    // Keep seq order whatever order entries arrive in.
    let before = null;
    for (const other of ui.transcript.children) {
      if (Number(other.dataset.seq) > entry.seq) { before = other; break; }
    }
    ui.transcript.insertBefore(item, before);
    if (entry.from !== 'shopper') showTyping(false);
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  function closeStream() {
    if (source) source.close();
    source = null;
  }

  function openStream() {
    closeStream();
    const session = current;
    const url = `${base}/sessions/${encodeURIComponent(session.session_id)}/events`
      + `?token=${encodeURIComponent(session.token)}&after=${lastSeq}`;
    const stream = new EventSource(url);
    source = stream;
    stream.addEventListener('message', (event) => {
      try { render(JSON.parse(event.data)); } catch (_) { /* not an entry */ }
    });
    stream.addEventListener('open', () => setStatus(''));
    stream.addEventListener('error', () => {
      if (source !== stream) return;
      if (stream.readyState === EventSource.CLOSED) {
        // Refused for good (e.g. the session is gone): try again later
        // from the last entry we have.
        setStatus('Disconnected. Retrying…');
        setTimeout(() => { if (source === stream && current === session) openStream(); }, 5000);
      } else {
        setStatus('Reconnecting…');
      }
    });
  }

  function resetTranscript() {
    ui.transcript.textContent = '';
    seen.clear();
    lastSeq = 0;
    failed = null;
    clearError();
    showTyping(false);
  }

  function showPicker() {
    closeStream();
    current = null;
    ui.loading.hidden = true;
    ui.chat.hidden = true;
    ui.changeBrand.hidden = true;
    ui.brandName.textContent = 'Choose a shop';
    ui.avatar.textContent = (ui.shopName.textContent || '·').trim().charAt(0) || '·';
    ui.brands.textContent = '';
    for (const brand of brands) {
      const button = el('button', 'brand');
      button.type = 'button';
      button.dataset.brand = brand.id;
      button.setAttribute('role', 'listitem');
      button.appendChild(el('span', 'brand-title', brand.name));
      if (brand.description) button.appendChild(el('span', 'brand-desc', brand.description));
      button.addEventListener('click', () => openBrand(brand));
      ui.brands.appendChild(button);
    }
    ui.picker.hidden = false;
  }

  async function openBrand(brand) {
    closeStream();
    current = null;
    // A reload (or a later visit) comes back to this brand's conversation.
    if (params.get('brand') !== brand.id) {
      params.set('brand', brand.id);
      history.replaceState(null, '', `${base}?${params.toString()}`);
    }
    try { localStorage.setItem(lastBrandKey, brand.id); } catch (_) { /* private mode */ }
    ui.picker.hidden = true;
    ui.loading.hidden = true;
    ui.chat.hidden = false;
    ui.changeBrand.hidden = brands.length < 2;
    ui.brandName.textContent = brand.name;
    ui.avatar.textContent = brand.name.trim().charAt(0) || '·';
    resetTranscript();
    setComposer(false);
    setStatus('Connecting…');
    try {
      let session = loadSession(brand.id);
      if (session) {
        try {
          const transcript = await api(`/sessions/${encodeURIComponent(session.session_id)}`, { token: session.token });
          for (const entry of transcript.messages) render(entry);
        } catch (error) {
          if (error.status !== 401 && error.status !== 404) throw error;
          forgetSession(brand.id);
          session = null;
        }
      }
      if (!session) {
        const name = ui.name.value.trim();
        const created = await api('/sessions', {
          method: 'POST',
          body: name ? { brand: brand.id, name } : { brand: brand.id },
        });
        session = { session_id: created.session_id, token: created.token };
        saveSession(brand.id, session);
      }
      current = { brand: brand.id, ...session };
      setStatus('');
      openStream();
      setComposer(true);
      ui.message.focus();
    } catch (error) {
      setStatus('');
      showError(error.message);
      const retry = el('button', 'chip', 'Try again');
      retry.type = 'button';
      retry.addEventListener('click', () => openBrand(brand));
      ui.error.appendChild(document.createTextNode(' '));
      ui.error.appendChild(retry);
    }
  }

  async function send(body, shownText) {
    if (sending || !current) return;
    const session = current;
    const key = JSON.stringify(body);
    // A retry of a failed send keeps its id: accepted once, whatever happened.
    const id = failed && failed.key === key ? failed.id : newId();
    sending = true;
    setComposer(false);
    clearError();
    try {
      const accepted = await api(`/sessions/${encodeURIComponent(session.session_id)}/messages`, {
        method: 'POST',
        body: { ...body, client_message_id: id },
        token: session.token,
      });
      failed = null;
      if (body.text !== undefined) ui.message.value = '';
      if (current === session) {
        render({ seq: accepted.seq, from: 'shopper', parts: [{ kind: 'text', text: shownText }], sent_at: new Date().toISOString() });
        showTyping(true);
      }
    } catch (error) {
      failed = { key, id };
      showError(error.message);
    } finally {
      sending = false;
      if (current === session) {
        setComposer(true);
        ui.message.focus();
      }
    }
  }

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.message.value.trim();
    if (!text) return;
    send({ text }, text);
  });

  ui.changeBrand.addEventListener('click', (event) => {
    event.preventDefault();
    try { localStorage.removeItem(lastBrandKey); } catch (_) { /* private mode */ }
    if (params.has('brand')) {
      params.delete('brand');
      const query = params.toString();
      history.replaceState(null, '', base + (query ? `?${query}` : ''));
    }
    showPicker();
  });

  async function start() {
    try {
      const data = await api('/brands');
      brands = data.brands || [];
      ui.shopName.textContent = data.tenant.name;
      document.title = `${data.tenant.name} · Chat`;
    } catch (error) {
      ui.loading.textContent = error.message;
      return;
    }
    // The brand asked for, else the one this browser last talked to (if that
    // conversation is still stored), else the only one.
    const last = lastBrand();
    const wanted = params.get('brand') || (last && loadSession(last) ? last : null);
    const brand = brands.find((b) => b.id === wanted) || (brands.length === 1 ? brands[0] : null);
    if (brand) openBrand(brand); else showPicker();
  }

  start();
})();
