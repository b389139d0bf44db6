// The join screen: a display name and a role (civil servant or civil
// society), and the passcode when the board has one. Name and role are
// remembered for the next workshop; the session token (kept by
// connection.js) is what keeps identity across reloads.

import { h, showRefusal } from './dom.js';
import { t, languageSwitch } from './i18n.js';
import { limits } from './config.js';

const roles = ['civil-servant', 'civil-society'];

/**
 * renderJoin mounts the join screen for board code. join(details) starts
 * the session; if the server refuses it, refused(msg) shows why at the
 * Join button.
 */
export function renderJoin(root, code, { join }) {
  const heading = h('h1', {}, t('join.title'));
  const prompt = h('p', { class: 'prompt' });
  const name = h('input', { id: 'name', required: true, maxlength: limits.name, autocomplete: 'name', value: localStorage.getItem('plenary:name') ?? '' });
  const remembered = localStorage.getItem('plenary:role');
  const roleInputs = roles.map((r) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'role', value: r, required: true, checked: r === remembered }), ' ', t(`role.${r}`)));
  const passcode = h('input', { id: 'passcode', autocomplete: 'off' });
  const passcodeField = h('div', { class: 'field', hidden: true }, h('label', { for: 'passcode' }, t('join.passcode')), passcode);
  const button = h('button', { type: 'submit', class: 'primary join-button' }, t('join.go'));

  const form = h('form', { class: 'join-form', 'data-refusals': '', onsubmit: (ev) => {
    ev.preventDefault();
    const role = form.querySelector('input[name=role]:checked')?.value;
    localStorage.setItem('plenary:name', name.value.trim());
    localStorage.setItem('plenary:role', role);
    button.disabled = true;
    join({ name: name.value.trim(), role, passcode: passcode.value });
  } },
    h('div', { class: 'field' }, h('label', { for: 'name' }, t('join.name')), name),
    h('fieldset', { class: 'roles' }, h('legend', {}, t('join.role')), roleInputs),
    passcodeField,
    button);

  root.replaceChildren(
    h('header', { class: 'top' }, h('div', { class: 'titles' }, heading, h('p', { class: 'code' }, code)), languageSwitch()),
    h('main', { class: 'join' }, prompt, form));

  fetch(`/api/boards/${encodeURIComponent(code)}`).then(async (res) => {
    if (!res.ok) {
      form.hidden = true;
      prompt.textContent = t('join.noBoard', { code });
      return;
    }
    const board = await res.json();
    heading.textContent = board.title;
    prompt.textContent = board.prompt;
    passcodeField.hidden = !board.passcode;
  }, () => showRefusal(button, t('conn.offline')));

  return {
    refused(msg) {
      button.disabled = false;
      showRefusal(button, msg);
    },
    destroy() {},
  };
}
