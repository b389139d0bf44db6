// The printable report: the workshop's record drawn from the board this
// screen holds, in the screen's language, with a print stylesheet that
// prints it alone. It says what the Markdown export says (board/report/markdown.go)
// and, being made of elements, shows people's text exactly as written.
// It holds what this screen may see: while tallies are hidden from it,
// no counts, ranks or top ideas.

import { h } from './dom.js';
import { t } from './i18n.js';
import { byId } from './replica.js';
import { itemTitle, discussFields, headcount } from './items.js';

/** reportElements is the record of the board in replica, as elements. */
function reportElements(replica) {
  const b = replica.board;
  const groups = replica.all('group').sort(byId);
  const notes = replica.all('note').sort(byId);
  const groupName = (chart) => replica.get('group', chart)?.name ?? chart;
  const role = (r) => t(`role.${r}`);
  const author = (n) => (!b.settings?.anonymous && replica.get('participant', n.author)?.name) || null;
  const noteList = (list, meta) => h('ul', {}, list.map((n) => h('li', {}, n.text, ' ', h('span', { class: 'report-meta' }, '(', ...meta(n), ')'))));
  const byline = (n) => (author(n) ? [role(n.role), ', ', author(n)] : [role(n.role)]);
  const themeNotes = (id) => noteList(notes.filter((n) => n.theme === id), (n) => [groupName(n.chart), ', ', role(n.role)]);
  const discussion = (item) => {
    const d = replica.get('discussion', item);
    return h('ul', { class: 'report-discussion' }, discussFields.map(({ name }) => h('li', {}, h('strong', {}, t(`discuss.${name}`)), ': ', d?.[name] || '—')));
  };

  const out = [h('h1', {}, b.title)];
  if (b.prompt) out.push(h('blockquote', {}, b.prompt));
  out.push(h('p', {}, t('report.headCount', { ...headcount(replica), groups: groups.length })));

  out.push(...outcome(replica, discussion, themeNotes));

  const themes = replica.all('theme').sort(byId);
  if (themes.length) out.push(h('h2', {}, t('report.themes')));
  for (const th of themes) out.push(h('h3', {}, itemTitle(replica, th.id)), themeNotes(th.id));

  out.push(h('h2', {}, t('report.flipCharts')));
  for (const g of groups) {
    const own = notes.filter((n) => n.chart === g.id);
    if (own.length) out.push(h('h3', {}, g.name), noteList(own, byline));
  }
  if (!notes.length) out.push(h('p', {}, t('report.noNotes')));
  return out;
}

/**
 * outcome is what the room decided, as elements: the top ideas with what
 * was agreed about each, then every ranked item; while the tallies are
 * hidden from this screen, only what was said about each item. It comes
 * first in the record: the decisions are what people take home.
 */
function outcome(replica, discussion, themeNotes) {
  const out = [];
  const ranking = replica.get('ranking', 'ranking');
  if (!ranking) {
    out.push(h('h2', {}, t('report.results')), h('p', {}, t('report.votesHidden')));
    const discussed = replica.all('discussion').map((d) => d.item).sort((a, c) => byId({ id: a }, { id: c }));
    if (discussed.length) out.push(h('h2', {}, t('report.discussed')));
    for (const item of discussed) out.push(h('h3', {}, itemTitle(replica, item)), discussion(item));
    return out;
  }
  const ranks = ranking.ranks ?? [];
  const rankName = (r) => (ranks.filter((o) => o.rank === r.rank).length > 1 ? t('report.tie', { rank: r.rank }) : String(r.rank));
  const tally = (item) => replica.get('tally', item) ?? { votes: 0, civilServant: 0, civilSociety: 0 };
  const top = ranking.top ?? [];
  if (top.length) out.push(h('h2', {}, t('report.topIdeas')));
  top.forEach((item, i) => {
    const n = tally(item);
    out.push(h('h3', {}, h('span', {}, rankName(ranks[i])), '. ', itemTitle(replica, item)),
      h('p', {}, t('report.topVotes', { n: n.votes, cs: n.civilServant, so: n.civilSociety })));
    if (replica.get('theme', item)) out.push(themeNotes(item));
    out.push(discussion(item));
  });

  out.push(h('h2', {}, t('report.results')));
  if (!ranks.length) {
    out.push(h('p', {}, t('report.noVotes')));
  } else {
    const head = ['rank', 'idea', 'votes', 'servants', 'society'].map((k) => h('th', { scope: 'col' }, t(`report.${k}`)));
    out.push(h('table', {}, h('thead', {}, h('tr', {}, head)), h('tbody', {}, ranks.map((r) => {
      const n = tally(r.item);
      return h('tr', {}, [rankName(r), itemTitle(replica, r.item), n.votes, n.civilServant, n.civilSociety].map((c) => h('td', {}, String(c))));
    }))));
  }
  return out;
}

/** showReport opens the record of ctx's board as a printable page. */
export function showReport(ctx) {
  const close = h('button', { type: 'button', onclick: () => {
    dialog.remove();
    document.body.classList.remove('printing-report');
  } }, t('report.close'));
  const dialog = h('div', { class: 'report', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('report.open') },
    h('div', { class: 'report-actions' }, h('button', { type: 'button', class: 'primary', onclick: () => print() }, t('report.print')), close),
    h('article', { class: 'report-body' }, reportElements(ctx.replica)));
  document.body.classList.add('printing-report');
  document.body.append(dialog);
  close.focus();
}
