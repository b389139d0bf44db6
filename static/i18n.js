// Every word the app shows, in English and Spanish (both widely spoken in
// Belize), one table per language. The language comes from the browser
// unless the person picked one, and that choice is remembered. Messages
// from the server (a refusal's msg) are shown as the server wrote them.

import { h } from './dom.js';

const en = {
  'away': 'away',
  'online': 'online',
  'board.closed': 'This workshop cannot be opened',
  'board.home': 'Back to the start page',
  'board.loading': 'Connecting to the workshop…',
  'board.locked': 'The facilitator has locked the board.',
  'chart.members': 'People in this group',
  'chart.notes': 'Notes of {group}',
  'chart.spotlight': 'Spotlight',
  'chart.unspotlight': 'End spotlight',
  'charts.formFirst': 'Form groups in the console to give each group its flip chart.',
  'charts.noGroup': 'Welcome! The facilitator will put you in a group soon.',
  'cluster.canvas': 'Plenary canvas',
  'cluster.hint': 'Drop a note on another to make a theme, or into a theme to join it.',
  'cluster.moveTo': 'Move to theme…',
  'cluster.newTheme': 'New theme',
  'cluster.noTheme': 'Take out of its theme',
  'cluster.ownTheme': 'A new theme of its own',
  'color.blue': 'Blue',
  'color.green': 'Green',
  'color.orange': 'Orange',
  'color.pink': 'Pink',
  'color.purple': 'Purple',
  'color.yellow': 'Yellow',
  'conn.connected': 'Connected',
  'conn.connecting': 'Connecting…',
  'conn.offline': 'Offline',
  'conn.reconnecting': 'Reconnecting…',
  'conn.waiting': '{n} waiting to be sent',
  'console.addMinute': '+1 min',
  'console.controls': 'Board',
  'console.count': '{online} of {total} participants online',
  'console.export': 'Export',
  'console.formGroups': 'Form groups',
  'console.groupSize': 'Group size',
  'console.invite': 'Invite',
  'console.lock': 'Lock the board',
  'console.minutes': 'Minutes',
  'console.moveTo': 'Group of {name}',
  'console.noGroup': 'No group yet',
  'console.people': 'People and groups',
  'console.phase': 'Phase',
  'console.report': 'Printable report',
  'console.reveal': 'Reveal tallies',
  'console.start': 'Start',
  'console.stop': 'Stop',
  'console.timer': 'Timer',
  'console.title': 'Facilitator console',
  'console.unlock': 'Unlock the board',
  'discuss.how': 'How it might get done',
  'discuss.next': 'Next step',
  'discuss.none': 'The top ideas appear here once votes are counted.',
  'discuss.owner': 'Owner',
  'discuss.possible': 'What is possible',
  'discuss.rank': 'Top idea {n}',
  'join.go': 'Join',
  'join.name': 'Your name',
  'join.noBoard': 'There is no workshop with the code {code}. Check the code and try again.',
  'join.passcode': 'Passcode',
  'join.refused': 'You could not join this workshop.',
  'join.role': 'You are here as',
  'join.title': 'Join the workshop',
  'note.add': 'Add note',
  'note.color': 'Colour',
  'note.delete': 'Delete note',
  'note.edit': 'Edit note',
  'note.label': 'Note: {text}',
  'note.new': 'New note',
  'note.placeholder': 'Write one idea per note',
  'phase.brainstorm': 'Brainstorm',
  'phase.cluster': 'Cluster',
  'phase.discuss': 'Discuss',
  'phase.share': 'Share',
  'phase.vote': 'Vote',
  'report.close': 'Close',
  'report.print': 'Print',
  'role.civil-servant': 'Civil servant',
  'role.civil-society': 'Civil society',
  'role.facilitator': 'Facilitator',
  'start.anonymous': 'Hide note authors from participants',
  'start.code': 'Join code',
  'start.create': 'Create the workshop',
  'start.groupSize': 'Group size',
  'start.haveCode': 'Joining a workshop?',
  'start.hide': 'Hide tallies until I reveal them',
  'start.new': 'New workshop',
  'start.open': 'Open the board as facilitator',
  'start.passcode': 'Passcode to join (optional)',
  'start.prompt': 'Brainstorm question',
  'start.qr': 'QR code of the join link',
  'start.ready': 'Your workshop is ready',
  'start.secret': 'This is your facilitator link: keep it to yourself, it runs the workshop.',
  'start.share': 'For the room',
  'start.tagline': 'A live workshop board',
  'start.title': 'Title',
  'start.typeCode': 'Join code',
  'start.votes': 'Votes per person',
  'theme.delete': 'Delete theme',
  'theme.name': 'Theme name',
  'theme.untitled': 'Untitled theme',
  'timer.left': '{time} left',
  'timer.up': 'Time is up',
  'vote.cast': 'Add a dot',
  'vote.dots': '{n} dots',
  'vote.dots.one': '1 dot',
  'vote.hidden': 'Tallies are hidden until the facilitator reveals them.',
  'vote.left': 'You have {n} dots left',
  'vote.left.one': 'You have 1 dot left',
  'vote.mine': 'Your dots here: {n}',
  'vote.noVotes': 'No votes yet.',
  'vote.ranking': 'Ranking',
  'vote.retract': 'Take one back',
  'vote.split': '{votes} dots: {cs} civil servant, {so} civil society',
  'vote.split.one': '1 dot: {cs} civil servant, {so} civil society',
};

const es = {
  'away': 'ausente',
  'online': 'conectado',
  'board.closed': 'No se puede abrir este taller',
  'board.home': 'Volver a la página de inicio',
  'board.loading': 'Conectando con el taller…',
  'board.locked': 'La persona facilitadora ha bloqueado el tablero.',
  'chart.members': 'Personas de este grupo',
  'chart.notes': 'Notas de {group}',
  'chart.spotlight': 'Destacar',
  'chart.unspotlight': 'Dejar de destacar',
  'charts.formFirst': 'Forme los grupos en la consola para dar a cada grupo su rotafolio.',
  'charts.noGroup': '¡Bienvenida, bienvenido! Pronto le asignarán un grupo.',
  'cluster.canvas': 'Lienzo del plenario',
  'cluster.hint': 'Suelte una nota sobre otra para crear un tema, o dentro de un tema para unirla.',
  'cluster.moveTo': 'Mover al tema…',
  'cluster.newTheme': 'Nuevo tema',
  'cluster.noTheme': 'Sacar de su tema',
  'cluster.ownTheme': 'Un tema nuevo propio',
  'color.blue': 'Azul',
  'color.green': 'Verde',
  'color.orange': 'Naranja',
  'color.pink': 'Rosa',
  'color.purple': 'Morado',
  'color.yellow': 'Amarillo',
  'conn.connected': 'Conectado',
  'conn.connecting': 'Conectando…',
  'conn.offline': 'Sin conexión',
  'conn.reconnecting': 'Reconectando…',
  'conn.waiting': '{n} por enviar',
  'console.addMinute': '+1 min',
  'console.controls': 'Tablero',
  'console.count': '{online} de {total} participantes conectados',
  'console.export': 'Exportar',
  'console.formGroups': 'Formar grupos',
  'console.groupSize': 'Tamaño del grupo',
  'console.invite': 'Invitar',
  'console.lock': 'Bloquear el tablero',
  'console.minutes': 'Minutos',
  'console.moveTo': 'Grupo de {name}',
  'console.noGroup': 'Sin grupo todavía',
  'console.people': 'Personas y grupos',
  'console.phase': 'Fase',
  'console.report': 'Informe para imprimir',
  'console.reveal': 'Mostrar los recuentos',
  'console.start': 'Iniciar',
  'console.stop': 'Detener',
  'console.timer': 'Temporizador',
  'console.title': 'Consola de facilitación',
  'console.unlock': 'Desbloquear el tablero',
  'discuss.how': 'Cómo podría lograrse',
  'discuss.next': 'Próximo paso',
  'discuss.none': 'Las ideas principales aparecerán aquí cuando se cuenten los votos.',
  'discuss.owner': 'Responsable',
  'discuss.possible': 'Qué es posible',
  'discuss.rank': 'Idea principal {n}',
  'join.go': 'Entrar',
  'join.name': 'Su nombre',
  'join.noBoard': 'No hay ningún taller con el código {code}. Revise el código e inténtelo de nuevo.',
  'join.passcode': 'Contraseña',
  'join.refused': 'No pudo entrar en este taller.',
  'join.role': 'Participa como',
  'join.title': 'Entrar en el taller',
  'note.add': 'Añadir nota',
  'note.color': 'Color',
  'note.delete': 'Borrar la nota',
  'note.edit': 'Editar la nota',
  'note.label': 'Nota: {text}',
  'note.new': 'Nota nueva',
  'note.placeholder': 'Escriba una idea por nota',
  'phase.brainstorm': 'Lluvia de ideas',
  'phase.cluster': 'Agrupar',
  'phase.discuss': 'Debatir',
  'phase.share': 'Compartir',
  'phase.vote': 'Votar',
  'report.close': 'Cerrar',
  'report.print': 'Imprimir',
  'role.civil-servant': 'Funcionario público',
  'role.civil-society': 'Sociedad civil',
  'role.facilitator': 'Facilitación',
  'start.anonymous': 'Ocultar a los participantes quién escribió cada nota',
  'start.code': 'Código',
  'start.create': 'Crear el taller',
  'start.groupSize': 'Tamaño del grupo',
  'start.haveCode': '¿Va a entrar en un taller?',
  'start.hide': 'Ocultar los recuentos hasta que yo los muestre',
  'start.new': 'Taller nuevo',
  'start.open': 'Abrir el tablero como facilitador',
  'start.passcode': 'Contraseña para entrar (opcional)',
  'start.prompt': 'Pregunta para la lluvia de ideas',
  'start.qr': 'Código QR del enlace para entrar',
  'start.ready': 'Su taller está listo',
  'start.secret': 'Este es su enlace de facilitación: no lo comparta, con él se dirige el taller.',
  'start.share': 'Para la sala',
  'start.tagline': 'Un tablero de taller en vivo',
  'start.title': 'Título',
  'start.typeCode': 'Código',
  'start.votes': 'Votos por persona',
  'theme.delete': 'Borrar el tema',
  'theme.name': 'Nombre del tema',
  'theme.untitled': 'Tema sin nombre',
  'timer.left': 'Quedan {time}',
  'timer.up': 'Se acabó el tiempo',
  'vote.cast': 'Poner un punto',
  'vote.dots': '{n} puntos',
  'vote.dots.one': '1 punto',
  'vote.hidden': 'Los recuentos están ocultos hasta que la persona facilitadora los muestre.',
  'vote.left': 'Le quedan {n} puntos',
  'vote.left.one': 'Le queda 1 punto',
  'vote.mine': 'Sus puntos aquí: {n}',
  'vote.noVotes': 'Todavía no hay votos.',
  'vote.ranking': 'Clasificación',
  'vote.retract': 'Quitar uno',
  'vote.split': '{votes} puntos: {cs} función pública, {so} sociedad civil',
  'vote.split.one': '1 punto: {cs} función pública, {so} sociedad civil',
};

const tables = { en, es };
const names = { en: 'English', es: 'Español' };
const storageKey = 'plenary:lang';
const listeners = new Set();

function preferred() {
  const chosen = localStorage.getItem(storageKey);
  if (tables[chosen]) return chosen;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.slice(0, 2).toLowerCase();
    if (tables[base]) return base;
  }
  return 'en';
}

let lang = preferred();
document.documentElement.lang = lang;

/**
 * t is the message key in the current language, with {name} filled from
 * params. When params.n is 1 and the table has key + '.one', that singular
 * form is used ("1 dot", "1 punto").
 */
export function t(key, params = {}) {
  if (params.n === 1 && (tables[lang][key + '.one'] ?? en[key + '.one'])) key += '.one';
  const text = tables[lang][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** onLanguageChange calls fn after the language is switched, to redraw. */
export function onLanguageChange(fn) {
  listeners.add(fn);
}

/** languageSwitch is the language picker shown on every screen. */
export function languageSwitch() {
  const select = h('select', { class: 'lang', 'aria-label': 'Language / Idioma', onchange: () => {
    lang = select.value;
    localStorage.setItem(storageKey, lang);
    document.documentElement.lang = lang;
    for (const fn of listeners) fn();
  } }, Object.entries(names).map(([code, name]) => h('option', { value: code, selected: code === lang, lang: code }, name)));
  return select;
}
