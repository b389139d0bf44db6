// The printable report: the server's Markdown export shown as a page, with
// a print stylesheet that prints it alone. Markdown is turned into elements
// with textContent only, so nothing in a note can become markup.

import { h, showRefusal } from './dom.js';
import { t } from './i18n.js';

/** markdownElements renders the subset the export uses: headings, lists, tables and paragraphs. */
function markdownElements(text) {
  const out = [];
  let list = null;
  let table = null;
  for (const line of text.split('\n')) {
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    const item = /^\s*(?:[-*]|\d+\.)\s+(.*)$/.exec(line);
    const row = /^\|(.*)\|\s*$/.exec(line);
    if (!item) list = null;
    if (!row) table = null;
    if (heading) {
      out.push(h(`h${heading[1].length}`, {}, heading[2]));
    } else if (item) {
      if (!list) out.push((list = h('ul')));
      list.append(h('li', {}, item[1]));
    } else if (row) {
      const cells = row[1].split('|').map((c) => c.trim());
      if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
      const first = !table;
      if (first) out.push((table = h('table')));
      table.append(h('tr', {}, cells.map((c) => h(first ? 'th' : 'td', {}, c))));
    } else if (line.trim()) {
      out.push(h('p', {}, line));
    }
  }
  return out;
}

/** showReport fetches the Markdown export and opens it as a printable page. */
export async function showReport(url, anchor) {
  const res = await fetch(url);
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    showRefusal(anchor, body.msg || res.statusText);
    return;
  }
  const text = await res.text();
  const close = h('button', { type: 'button', onclick: () => {
    dialog.remove();
    document.body.classList.remove('printing-report');
  } }, t('report.close'));
  const dialog = h('div', { class: 'report', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('console.report') },
    h('div', { class: 'report-actions' }, h('button', { type: 'button', class: 'primary', onclick: () => print() }, t('report.print')), close),
    h('article', { class: 'report-body' }, markdownElements(text)));
  document.body.classList.add('printing-report');
  document.body.append(dialog);
  close.focus();
}
