// The web chat widget: a floating bubble that opens the chat page in an
// iframe. Embed with
//   <script src="https://<gateway>/chat/<tenant>/widget.js" data-brand="fashion" async></script>
// Optional attributes: data-label (tooltip), data-color (bubble colour).
(() => {
  'use strict';
  const script = document.currentScript;
  if (!script || window.agentStoreChatWidget) return;
  window.agentStoreChatWidget = true;

  const page = new URL(script.src, location.href);
  page.pathname = page.pathname.replace(/\/widget\.js$/, '');
  page.search = '';
  page.hash = '';
  if (script.dataset.brand) page.searchParams.set('brand', script.dataset.brand);
  page.searchParams.set('embed', '1');
  const color = script.dataset.color || '#4f46e5';
  const label = script.dataset.label || 'Chat with us';

  const bubble = document.createElement('button');
  bubble.type = 'button';
  bubble.id = 'agent-store-chat-bubble';
  bubble.setAttribute('aria-label', label);
  bubble.title = label;
  bubble.setAttribute('aria-expanded', 'false');
  Object.assign(bubble.style, {
    position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483000',
    width: '60px', height: '60px', borderRadius: '50%', border: '0',
    background: color, color: '#fff', cursor: 'pointer',
    boxShadow: '0 8px 24px rgba(0,0,0,.25)', display: 'grid', placeItems: 'center',
    transition: 'transform .15s ease',
  });
  const svg = (path) => `<svg width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${path}</svg>`;
  const chatIcon = svg('<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>');
  const closeIcon = svg('<path d="M18 6 6 18M6 6l12 12"/>');
  bubble.innerHTML = chatIcon;

  const panel = document.createElement('div');
  panel.id = 'agent-store-chat-panel';
  Object.assign(panel.style, {
    position: 'fixed', right: '20px', bottom: '92px', zIndex: '2147483000',
    width: '380px', maxWidth: 'calc(100vw - 40px)',
    height: '600px', maxHeight: 'calc(100vh - 120px)',
    borderRadius: '16px', overflow: 'hidden', background: '#fff',
    boxShadow: '0 16px 48px rgba(0,0,0,.28)', display: 'none',
  });

  let frame = null;
  function toggle(open) {
    if (open && !frame) {
      frame = document.createElement('iframe');
      frame.src = page.href;
      frame.title = label;
      frame.setAttribute('allow', 'clipboard-write');
      Object.assign(frame.style, { width: '100%', height: '100%', border: '0' });
      panel.appendChild(frame);
    }
    panel.style.display = open ? 'block' : 'none';
    bubble.innerHTML = open ? closeIcon : chatIcon;
    bubble.setAttribute('aria-expanded', String(open));
  }
  bubble.addEventListener('click', () => toggle(panel.style.display === 'none'));
  bubble.addEventListener('mouseenter', () => { bubble.style.transform = 'scale(1.06)'; });
  bubble.addEventListener('mouseleave', () => { bubble.style.transform = ''; });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && panel.style.display !== 'none') toggle(false);
  });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(bubble);
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
