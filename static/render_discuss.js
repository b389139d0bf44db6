// The discuss screen: the top items of the ranking, each with what is
// possible, how it might get done, an owner and a next step, edited live by
// everyone. A field is sent when typing pauses and when it loses focus, and
// another person's edit never overwrites a field someone is typing in.

import { h, setText, debounce } from './dom.js';
import { t } from './i18n.js';
import { limits } from './config.js';
import { itemTitle, splitText } from './items.js';

const fields = [
  { name: 'possible', long: true },
  { name: 'how', long: true },
  { name: 'owner', long: false },
  { name: 'next', long: false },
];

/** renderDiscuss is the discuss screen. */
export function renderDiscuss(ctx) {
  const { replica } = ctx;
  const el = h('div', { class: 'discuss' });
  let cards = new Map();

  function card(id, rank) {
    const title = h('h2', { class: 'item-title' });
    const tally = h('p', { class: 'tally' });
    const inputs = {};
    const body = fields.map(({ name, long }) => {
      const input = h(long ? 'textarea' : 'input', { class: `field-${name}`, maxlength: limits.discussText, rows: long ? '3' : null, id: `${id}-${name}` });
      let sent = '';
      const send = debounce(() => {
        if (input.value === sent) return;
        sent = input.value;
        ctx.act({ kind: 'discuss.set', item: id, field: name, text: input.value }, input);
      }, 600);
      input.addEventListener('input', send);
      input.addEventListener('blur', () => send.flush());
      input.patch = (value) => {
        sent = value;
        if (document.activeElement !== input) input.value = value;
      };
      inputs[name] = input;
      return h('div', { class: 'field', 'data-refusals': '' }, h('label', { for: input.id }, t(`discuss.${name}`)), input);
    });
    const cardEl = h('article', { class: 'discussion', dataset: { item: id } },
      h('p', { class: 'rank' }, t('discuss.rank', { n: rank })), title, tally, ...body);
    return { el: cardEl, title, tally, inputs };
  }

  function patch(id) {
    const c = cards.get(id);
    if (!c) return;
    setText(c.title, itemTitle(replica, id));
    const tally = replica.get('tally', id);
    setText(c.tally, tally ? splitText(tally) : '');
    const d = replica.get('discussion', id);
    for (const { name } of fields) c.inputs[name].patch(d?.[name] ?? '');
  }

  function build() {
    const ranking = replica.get('ranking', 'ranking');
    const top = ranking?.top ?? [];
    cards = new Map();
    if (!top.length) {
      el.replaceChildren(h('p', { class: 'waiting' }, t('discuss.none')));
      return;
    }
    const rankOf = new Map((ranking.ranks ?? []).map((r) => [r.item, r.rank]));
    el.replaceChildren(...top.map((id, i) => {
      const c = card(id, rankOf.get(id) ?? i + 1);
      cards.set(id, c);
      return c.el;
    }));
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
