// The connection's state as a page shows it: connected, reconnecting
// (with the next try's countdown and a button to try now) or offline,
// and how many changes wait to be sent; and, quietly, when the session
// goes over the fallback because websockets do not get through. Screen
// readers hear the state and the count, not the countdown's every second.

import { h, setText } from './dom.js';
import { t } from './i18n.js';

/**
 * connStatus is the status line of conn (connection.js): el, update() for
 * a change of state or of the ops waiting, and destroy().
 */
export function connStatus(conn, className = 'conn') {
  const state = h('span', { class: 'conn-state' });
  const via = h('span', { class: 'conn-via' });
  const retry = h('span', { class: 'conn-retry', 'aria-hidden': 'true' });
  const waiting = h('span', { class: 'conn-waiting' });
  const now = h('button', { type: 'button', class: 'conn-now', hidden: true, onclick: () => conn.reconnectNow() }, t('conn.tryNow'));
  const el = h('p', { class: className, role: 'status', 'aria-live': 'polite' }, state, via, retry, waiting, now);
  function update() {
    el.dataset.state = conn.state;
    el.dataset.transport = conn.transport;
    setText(via, conn.transport === 'fallback' ? ` · ${t('conn.fallback')}` : '');
    setText(state, t(`conn.${conn.state}`));
    const wait = Math.ceil((conn.retryAt - Date.now()) / 1000);
    setText(retry, conn.state !== 'connected' && wait > 0 ? ` · ${t('conn.retryIn', { s: wait })}` : '');
    now.hidden = !(wait > 1);
    const n = conn.state === 'connected' ? 0 : conn.outbox.size;
    setText(waiting, n ? ` · ${t('conn.waiting', { n })}` : '');
  }
  const ticker = setInterval(update, 500);
  update();
  return { el, update, destroy: () => clearInterval(ticker) };
}
