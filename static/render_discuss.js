// The discuss screen: the top items of the ranking, each with what is
// possible, how it might get done, an owner and a next step, edited live by
// everyone. A field is sent when typing pauses and when it loses focus.
// Another person's saved edit shows at once in a field the person has no
// draft in; when it meets a draft (typed, or sent and not yet saved), the
// field shows both and the person chooses, so no one's screen keeps a text
// the server no longer holds without saying so.

import { h, setText, debounce, showRefusal } from './dom.js';
import { t } from './i18n.js';
import { showConflict } from './note.js';
import { limits } from './config.js';
import { itemTitle, splitText, discussFields } from './items.js';


/** renderDiscuss is the discuss screen. */
export function renderDiscuss(ctx) {
  const { replica } = ctx;
  const el = h('div', { class: 'discuss' });
  let cards = new Map();
  // What people take home: the record in this screen's language. The
  // facilitator's is in the console. Its module comes when asked for, so
  // a phone that never opens it never fetches it; one that failed (a
  // dropped link) is asked for again under another address, since a
  // browser remembers a module that failed.
  let reportTries = 0;
  const openReport = (ev) => {
    const button = ev.currentTarget;
    const again = reportTries++ ? `?try=${reportTries}` : '';
    import(`./report.js${again}`).then(({ showReport }) => showReport(ctx), () => showRefusal(button, t('conn.offline')));
  };
  const takeHome = ctx.facilitator ? [] : [h('p', {}, h('button', { type: 'button', class: 'report-button', onclick: openReport }, t('report.open')))];

  function card(id, rank) {
    const title = h('h2', { class: 'item-title' });
    const tally = h('p', { class: 'tally' });
    const inputs = {};
    const body = discussFields.map(({ name, long }) => {
      const input = h(long ? 'textarea' : 'input', { class: `field-${name}`, maxlength: limits.discussText, rows: long ? '3' : null, id: `${id}-${name}` });
      const conflict = h('div', { class: 'conflict', role: 'alert', hidden: true });
      // Texts are compared as the server saves them, trimmed.
      let saved = ''; // the server's text, as last seen
      let base = ''; // the saved text the field's draft starts from
      const sent = []; // texts sent and not yet seen saved, oldest first
      const send = debounce(() => {
        const text = input.value.trim();
        if (!conflict.hidden || text === (sent.at(-1) ?? saved)) return;
        sent.push(text);
        ctx.act({ kind: 'discuss.set', item: id, field: name, text }, input).then((ack) => {
          if (!ack && sent.includes(text)) sent.splice(sent.indexOf(text), 1);
        });
      }, 600);
      input.addEventListener('input', send);
      input.addEventListener('blur', () => send.flush());
      input.patch = (value) => {
        if (value === saved) return;
        saved = value;
        const mine = sent.indexOf(value);
        if (mine >= 0) {
          sent.splice(0, mine + 1);
          base = value;
          return;
        }
        const draft = input.value.trim() !== base || sent.length > 0;
        base = value;
        if (input.value.trim() === value) {
          conflict.hidden = true;
        } else if (!draft) {
          conflict.hidden = true;
          replaceKeepingCaret(input, value);
        } else {
          showConflict(conflict, value, input, (theirs) => {
            if (theirs) input.value = value;
            send();
            send.flush();
          });
        }
      };
      inputs[name] = input;
      return h('div', { class: 'field', 'data-refusals': '' }, h('label', { for: input.id }, t(`discuss.${name}`)), input, conflict);
    });
    const cardEl = h('article', { class: 'discussion', dataset: { item: id } },
      h('p', { class: 'rank' }, t('discuss.rank', { n: rank })), title, tally, ...body);
    return { el: cardEl, title, tally, inputs };
  }

  function patch(id) {
    const c = cards.get(id);
    if (!c) return;
    const title = itemTitle(replica, id);
    setText(c.title, title);
    const tally = replica.get('tally', id);
    setText(c.tally, tally ? splitText(tally) : '');
    const d = replica.get('discussion', id);
    for (const { name } of discussFields) {
      c.inputs[name].patch(d?.[name] ?? '');
      c.inputs[name].setAttribute('aria-label', t('discuss.fieldOf', { field: t(`discuss.${name}`), item: title }));
    }
  }

  function build() {
    const ranking = replica.get('ranking', 'ranking');
    const top = ranking?.top ?? [];
    cards = new Map();
    if (!top.length) {
      el.replaceChildren(h('p', { class: 'waiting' }, t('discuss.none')), ...takeHome);
      return;
    }
    const rankOf = new Map((ranking.ranks ?? []).map((r) => [r.item, r.rank]));
    el.replaceChildren(...top.map((id, i) => {
      const c = card(id, rankOf.get(id) ?? i + 1);
      cards.set(id, c);
      return c.el;
    }), ...takeHome);
    for (const id of top) patch(id);
  }

  function update(changes) {
    for (const c of changes) {
      if (c.e === 'ranking') build();
      else if (c.e === 'discussion' || c.e === 'tally' || c.e === 'theme' || c.e === 'note') patch(c.id);
    }
  }

  build();
  return { el, update, eph() {}, destroy() {} };
}

/**
 * replaceKeepingCaret shows value in a field, the caret where it was as far
 * as the new text allows, or at its end if it was at the end.
 */
function replaceKeepingCaret(input, value) {
  if (input.value === value) return;
  const focused = document.activeElement === input;
  const { selectionStart: from, selectionEnd: to } = input;
  const atEnd = to === input.value.length;
  input.value = value;
  if (focused) input.setSelectionRange(atEnd ? value.length : Math.min(from, value.length), atEnd ? value.length : Math.min(to, value.length));
}
