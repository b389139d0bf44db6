// Where every section (a flip chart, a theme, a tray of loose notes) and
// every note goes on a shared surface: the app lays the board out, not the
// people in the room, so that nothing ever overlaps however many notes
// arrive (ux.md: legible by construction). It is pure arithmetic on
// measured heights, so every screen lays out the same world, which its
// camera then fits to its own size.

/**
 * pack places sections of notes in columns, as a newspaper does: each
 * section is its heading, then its notes, top to bottom; a section that
 * reaches the bottom of a column goes on at the top of the next, under a
 * short heading of its own (its "continued" piece), and never leaves its
 * heading alone at a column's foot. Of every number of columns it takes
 * the one a screen of the target aspect (width / height) shows largest,
 * so a projector fitting the whole board shows the notes as big as they
 * can be.
 *
 * sections are { id, head, notes }: the heights of a section's heading
 * and of each of its notes, in order. The measures are { column, gap,
 * between, empty, continued, aspect }: a column's width, the gap between
 * notes, the gap between sections and between columns, the height of an
 * empty section's body and of a continued piece's heading.
 *
 * It returns { width, height, sections: Map(id → { pieces, notes }) }:
 * each section's pieces ({ x, y, width, height }, the first with the
 * heading) and its notes' places ({ x, y }), all in world coordinates.
 */
export function pack(sections, measures) {
  const { empty, aspect } = measures;
  const total = sections.reduce((sum, s) => sum + s.head + s.notes.reduce((a, h) => a + h + measures.gap, empty) + measures.between, 0);
  const tallest = Math.max(0, ...sections.map((s) => s.head + Math.max(empty, ...s.notes)), ...sections.flatMap((s) => s.notes.map((h) => measures.continued + h)));
  // Columns of the world's own aspect hold about this many: the search
  // starts a little below it rather than at one.
  const pitch = measures.column + measures.between;
  const guess = Math.max(1, Math.floor(Math.sqrt((total * aspect) / pitch) / 2));
  const most = sections.reduce((n, s) => n + s.notes.length + 1, 0);
  let best = null;
  for (let columns = Math.min(guess, most); columns <= most; columns++) {
    // The shortest column height that holds everything in this many columns.
    let lo = tallest;
    let hi = Math.max(tallest, total);
    if (count(sections, hi, measures) > columns) continue;
    while (hi - lo > 1) {
      const mid = (lo + hi) / 2;
      if (count(sections, mid, measures) <= columns) hi = mid;
      else lo = mid;
    }
    const width = columns * pitch - measures.between;
    // Past the best, more columns only make the world wider.
    if (best && aspect / width < best.scale) break;
    const world = place(sections, hi, measures);
    const scale = Math.min(aspect / world.width, 1 / world.height);
    if (!best || scale > best.scale * 1.0001) best = { scale, world };
  }
  return best?.world ?? { width: 0, height: 0, columns: 0, sections: new Map() };
}

/** count is how many columns place would fill, without placing anything. */
function count(sections, limit, { gap, between, empty, continued }) {
  let col = 0;
  let y = 0;
  for (const s of sections) {
    if (y > 0 && y + s.head + (s.notes[0] ?? empty) > limit) {
      col++;
      y = 0;
    }
    y += s.head + (s.notes.length ? 0 : empty);
    for (let i = 0; i < s.notes.length; i++) {
      if (i > 0 && y + s.notes[i] > limit) {
        col++;
        y = continued;
      }
      y += s.notes[i] + gap;
    }
    y += between - (s.notes.length ? gap : 0);
  }
  return col + 1;
}

/** place flows the sections down columns no taller than limit. */
function place(sections, limit, { column, gap, between, empty, continued }) {
  const pitch = column + between;
  const placed = new Map();
  let col = 0;
  let y = 0;
  let height = 0;
  for (const s of sections) {
    if (y > 0 && y + s.head + (s.notes[0] ?? empty) > limit) {
      col++;
      y = 0;
    }
    let piece = { x: col * pitch, y, width: column, height: s.head };
    const pieces = [piece];
    const notes = [];
    y += s.head;
    if (!s.notes.length) {
      piece.height += empty;
      y += empty;
    }
    s.notes.forEach((h, i) => {
      if (i > 0 && y + h > limit) {
        col++;
        piece = { x: col * pitch, y: 0, width: column, height: continued };
        pieces.push(piece);
        y = continued;
      }
      notes.push({ x: piece.x, y });
      y += h;
      piece.height = y - piece.y;
      height = Math.max(height, y);
      y += gap;
    });
    height = Math.max(height, piece.y + piece.height);
    y = piece.y + piece.height + between;
    placed.set(s.id, { pieces, notes });
  }
  return { width: (col + 1) * pitch - between, height, columns: col + 1, sections: placed };
}
