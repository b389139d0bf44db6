// The start screen: a facilitator creates a workshop and gets the links to
// run it: their own (secret) link, the join link, the join code and a QR
// code for the projector. A participant with a code can type it here.

import { h, showRefusal } from './dom.js';
import { t, languageSwitch, language, refusal } from './i18n.js';
import { qrSVG } from './qr.js';
import { limits } from './config.js';

function field(id, label, input) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/**
 * joinCode is the code in what someone typed or pasted: the code in any
 * case, with spaces or dashes, or a join link (its last part).
 */
function joinCode(typed) {
  const last = typed.trim().split('/').filter(Boolean).pop() ?? '';
  return last.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
}

/** renderStart mounts the start screen; navigate(path) moves to another screen. */
export function renderStart(root, { navigate }) {
  const title = h('input', { required: true, maxlength: limits.title, value: t('start.defaultTitle') });
  const prompt = h('textarea', { required: true, maxlength: limits.prompt, rows: '3', value: t('start.defaultPrompt') });
  const votes = h('input', { type: 'number', min: '1', max: limits.votes, value: '3', class: 'narrow' });
  const groupSize = h('input', { type: 'number', min: limits.minGroupSize, max: limits.maxGroupSize, value: '6', class: 'narrow' });
  const hide = h('input', { type: 'checkbox', id: 'hide-tallies' });
  const anonymous = h('input', { type: 'checkbox', id: 'anonymous' });
  const passcode = h('input', { maxlength: limits.passcode, autocomplete: 'off' });
  const create = h('button', { type: 'submit', class: 'primary' }, t('start.create'));
  const result = h('section', { class: 'created', 'aria-live': 'polite' });

  const form = h('form', { class: 'start-form', 'data-refusals': '', onsubmit: async (ev) => {
    ev.preventDefault();
    create.disabled = true;
    try {
      const settings = { votesPerParticipant: Number(votes.value), maxVotesPerItem: 1, hideTallies: hide.checked, anonymous: anonymous.checked, groupSize: Number(groupSize.value), passcode: passcode.value.trim(), language: language() };
      const res = await fetch('/api/boards', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: title.value.trim(), prompt: prompt.value.trim(), settings }) });
      const body = await res.json();
      if (!res.ok) throw new Error(refusal(body) || res.statusText);
      showCreated(body);
    } catch (err) {
      showRefusal(create, err.message);
    } finally {
      create.disabled = false;
    }
  } },
    h('h2', {}, t('start.new')),
    field('title', t('start.title'), title),
    field('prompt', t('start.prompt'), prompt),
    h('div', { class: 'row' }, field('votes', t('start.votes'), votes), field('group-size', t('start.groupSize'), groupSize)),
    h('div', { class: 'check' }, hide, h('label', { for: 'hide-tallies' }, t('start.hide'))),
    h('div', { class: 'check' }, anonymous, h('label', { for: 'anonymous' }, t('start.anonymous'))),
    field('passcode', t('start.passcode'), passcode),
    create);

  function showCreated(board) {
    const facilitatorUrl = new URL(board.facilitatorUrl, location.href).href;
    const joinUrl = new URL(board.joinUrl, location.href).href;
    result.replaceChildren(
      h('h2', {}, t('start.ready')),
      h('p', {}, h('a', { class: 'primary button open-board', href: facilitatorUrl }, t('start.open'))),
      h('p', { class: 'warn' }, t('start.secret')),
      h('p', {}, h('a', { class: 'facilitator-link', href: facilitatorUrl }, facilitatorUrl)),
      h('h3', {}, t('start.share')),
      h('p', { class: 'join-code' }, h('span', {}, t('start.code')), ' ', h('strong', { class: 'code' }, board.joinCode)),
      h('p', {}, h('a', { class: 'join-link', href: joinUrl }, joinUrl)),
      // A link to this machine's own name reaches no one else.
      /^(localhost|127\.|\[::1\])/.test(new URL(joinUrl).host) ? h('p', { class: 'warn local-link' }, t('start.localLink')) : '',
      qrSVG(joinUrl, t('start.qr')));
    form.hidden = true;
    result.querySelector('.open-board').focus();
  }

  // No maxlength: a code pasted from a chat (" k7p-2qx", or the whole
  // join link) would be cut before it is cleaned.
  const code = h('input', { id: 'code', class: 'code-input', autocapitalize: 'characters', autocomplete: 'off', spellcheck: 'false', required: true });
  const joinForm = h('form', { class: 'join-code-form', onsubmit: (ev) => {
    ev.preventDefault();
    navigate(`/j/${joinCode(code.value)}`);
  } }, h('h2', {}, t('start.haveCode')), field('code', t('start.typeCode'), code), h('button', { type: 'submit' }, t('join.go')));

  root.replaceChildren(
    h('header', { class: 'top' }, h('div', { class: 'titles' }, h('h1', {}, t('app.name')), h('p', {}, t('start.tagline'))), languageSwitch()),
    h('main', { class: 'start' }, form, result, joinForm));
  return { destroy() {} };
}
