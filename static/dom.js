// Building and patching DOM elements. Every screen builds its elements with
// h() and patches them in place when an entity changes, so a change to one
// note touches one element however many notes the board holds.

/**
 * h makes an element. Attributes named on* become listeners, `value` and
 * `checked` are set as properties (so they work on textarea and checkbox),
 * null or false attributes and children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked') el[k] = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

/** setText changes an element's text only when it differs, to spare layout. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * showRefusal puts the server's message for a refused op beside the control
 * the person used (inside the nearest [data-refusals] box, else next to it),
 * so that it is read where the eyes already are, not in a far corner.
 */
export function showRefusal(anchor, msg) {
  const host = anchor.closest('[data-refusals]') || anchor.parentElement;
  let box = host.querySelector(':scope > .refusal');
  if (!box) {
    box = h('p', { class: 'refusal', role: 'alert' });
    host.append(box);
  }
  box.textContent = msg;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => box.remove(), 8000);
}

/**
 * debounce returns fn delayed until calls stop for ms; flush() runs a
 * pending call at once (on blur, so nothing typed is left unsent).
 */
export function debounce(fn, ms) {
  let timer = 0;
  let args = null;
  const run = () => {
    clearTimeout(timer);
    if (args) {
      const a = args;
      args = null;
      fn(...a);
    }
  };
  const call = (...a) => {
    args = a;
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  call.flush = run;
  return call;
}
