// What can be voted on and discussed: a theme, or a note in no theme. The
// server decides which items exist (ballot, tally, ranking); these helpers
// only name them for the screens.

import { h } from './dom.js';
import { t } from './i18n.js';

/** discussFields is a top item's questions, in the order every screen and the record show them. */
export const discussFields = [
  { name: 'possible', long: true },
  { name: 'how', long: true },
  { name: 'owner', long: false },
  { name: 'next', long: false },
];

/** voteItems lists the items on the server's ballot, in its order: themes that hold a note, then loose notes, one per idea. */
export function voteItems(replica) {
  return (replica.get('ballot', 'ballot')?.items ?? []).map((id) => {
    const theme = replica.get('theme', id);
    return theme ? { id, theme } : { id, note: replica.get('note', id) };
  });
}

/** itemTitle is how an item is named on screen. */
export function itemTitle(replica, id) {
  const theme = replica.get('theme', id);
  if (theme) return theme.name || t('theme.untitled');
  return replica.get('note', id)?.text ?? id;
}

/** splitText says how many dots an item has and from which sector. */
export function splitText(tally) {
  return t('vote.split', { n: tally.votes, cs: tally.civilServant, so: tally.civilSociety });
}

/**
 * splitBars draws an item's dots by sector as two bars side by side, civil
 * servants and civil society, each as long as its share of most: the
 * largest tally on screen, so that bars compare across items. The text is
 * the whole of it for a screen reader.
 */
export function splitBars(tally, most = tally.votes) {
  const bar = (role, n) => h('div', { class: `split-bar split-${role}`, dataset: { n } },
    h('span', { class: 'split-name' }, t(`role.${role}`)),
    h('span', { class: 'split-track' }, h('span', { class: 'split-fill', style: `width: ${most ? (100 * n) / most : 0}%` })),
    h('span', { class: 'split-n' }, String(n)));
  return h('div', { class: 'split-bars', role: 'img', 'aria-label': splitText(tally) },
    bar('civil-servant', tally.civilServant), bar('civil-society', tally.civilSociety));
}

/**
 * sectorTops is the top three of each sector as the ranking has them,
 * each a list of {item, votes, rank}: ideas one sector carried show there
 * even when the overall count passed them by.
 */
export function sectorTops(ranking) {
  return [['civil-servant', ranking?.topCivilServant], ['civil-society', ranking?.topCivilSociety]].map(([role, top]) => ({ role, top: top ?? [] }));
}

/**
 * headcount is the room's participants, the facilitator aside, by sector,
 * as the server counts them for every screen: a participant's screen is
 * not sent who joined until they have a group.
 */
export function headcount(replica) {
  const { civilServant: cs = 0, civilSociety: so = 0 } = replica.get('people', 'people') ?? {};
  return { n: cs + so, cs, so };
}

/** turnoutText says how many of the participants have put a dot down: the server counts them for everyone, tallies hidden or not. */
export function turnoutText(replica) {
  return t('vote.turnout', { voted: replica.get('turnout', 'turnout')?.voted ?? 0, n: headcount(replica).n });
}
