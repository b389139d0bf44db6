package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// keyboard is a person at a page with no mouse: only key events reach the
// page, and every key but the characters of a text is counted.
type keyboard struct {
	p       *page
	pressed int
}

// press presses each key in turn.
func (k *keyboard) press(keys ...string) {
	k.p.t.Helper()
	for _, key := range keys {
		k.p.do(chromedp.KeyEvent(key))
		k.pressed++
	}
}

// write types text, one key event a character.
func (k *keyboard) write(text string) {
	k.p.t.Helper()
	k.p.do(chromedp.KeyEvent(text))
}

// tabTo presses Tab until script is true of the focused element (el),
// at most limit times, and says how many it took.
func (k *keyboard) tabTo(what, script string, limit int) int {
	k.p.t.Helper()
	for i := 1; i <= limit; i++ {
		k.press(kb.Tab)
		if eval[bool](k.p, fmt.Sprintf(`(() => { const el = document.activeElement; return Boolean(%s) })()`, script)) {
			return i
		}
	}
	k.p.t.Fatalf("%s: %d Tabs did not reach %s; focus is on %s", k.p.name, limit, what, eval[string](k.p, `document.activeElement?.outerHTML.slice(0, 200) ?? ''`))
	return 0
}

// focused waits until script is true of the focused element (el).
func (k *keyboard) focused(what, script string) {
	k.p.t.Helper()
	k.p.waitFor(what, fmt.Sprintf(`(() => { const el = document.activeElement; return %s })()`, script))
}

// browserRoom starts the server, the browser and a room of that many
// notes; it skips the test in -short mode.
func browserRoom(t *testing.T, notes int) (*httptest.Server, context.Context, *room) {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	return srv, startBrowser(t), newRoom(t, srv.URL, notes)
}

// waitBoard polls the facilitator's replica of the board, which the server
// keeps up to date, until ok holds.
func (r *room) waitBoard(what string, ok func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !ok() {
		if time.Now().After(deadline) {
			r.t.Fatalf("the board never had %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noteWith is the id of the note on the board that reads text, "" if none.
func noteWith(c *client.Client, text string) string {
	for id, raw := range c.Replica()["note"] {
		var n board.Note
		if json.Unmarshal(raw, &n) == nil && n.Text == text {
			return id
		}
	}
	return ""
}

// TestKeyboardOnly works the room through brainstorm, cluster, vote and
// discuss as a participant with only a keyboard, counting the keys, and
// checks each result on the board and on the facilitator's screen; on the
// way it checks what a screen reader is told: what each control acts on,
// who wrote a note, and the news of a phase, the reveal and the timer's
// last minute.
func TestKeyboardOnly(t *testing.T) {
	srv, browser, r := browserRoom(t, 12)
	settings := board.DefaultSettings()
	settings.HideTallies = true
	r.do(r.fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
	me := r.people[0]
	var who board.Participant
	var group board.Group
	me.Get("participant", me.You, &who)
	me.Get("group", who.Group, &group)

	ana := newPage(t, browser, who.Name, 1366, 768, false)
	fac := newPage(t, browser, "facilitator", 1366, 768, false)
	ana.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + url.QueryEscape(me.Token)))
	fac.do(chromedp.Navigate(r.facilitatorURL))
	ana.waitFor("her chart", `document.querySelector('.add-note') && document.querySelector('.chart .note')`)
	fac.waitFor("the charts", `document.querySelector('.chart .note')`)
	keys := &keyboard{p: ana}

	// Brainstorm: write a note, delete it, and undo that.
	keys.tabTo("the new note's field", `el.classList.contains('add-text')`, 30)
	text := "Bus passes for people visiting the clinics"
	keys.write(text)
	keys.press(kb.Enter)
	var id string
	r.waitBoard("the new note", func() bool { id = noteWith(r.fac, text); return id != "" })
	note := fmt.Sprintf(`.note[data-note=%q]`, id)
	fac.waitFor("the new note", fmt.Sprintf(`document.querySelector(%s)`, js(note)))
	keys.tabTo("the new note", fmt.Sprintf(`el.dataset.note === %q`, id), 30)
	label := eval[string](ana, `document.activeElement.getAttribute('aria-label')`)
	for _, part := range []string{text, who.Name, "Civil servant", group.Name} {
		if !strings.Contains(label, part) {
			t.Errorf("the note is named %q, which does not say %q", label, part)
		}
	}
	before := keys.pressed
	keys.tabTo("its delete button", `el.classList.contains('delete')`, 4)
	if got, want := eval[string](ana, `document.activeElement.getAttribute('aria-label')`), "Delete note: "+text; got != want {
		t.Errorf("the delete button is named %q, want %q", got, want)
	}
	keys.press(kb.Enter)
	keys.focused("the Undo button", `el.classList.contains('undo')`)
	r.waitBoard("the note deleted", func() bool { return noteWith(r.fac, text) == "" })
	fac.waitFor("the note gone", fmt.Sprintf(`!document.querySelector(%s)`, js(note)))
	keys.press(kb.Enter)
	r.waitBoard("the note restored", func() bool { return noteWith(r.fac, text) == id })
	fac.waitFor("the note back", fmt.Sprintf(`document.querySelector(%s)`, js(note)))
	keys.focused("the restored note", fmt.Sprintf(`el.dataset.note === %q`, id))
	t.Logf("delete and undo: %d keys from the note", keys.pressed-before)
	if n := keys.pressed - before; n > 6 {
		t.Errorf("deleting a note and undoing it took %d keys", n)
	}

	// Cluster: move the note into a theme, then into a theme of its own,
	// named; the keyboard stays on the note throughout.
	r.phase(board.Cluster)
	r.cluster(1, 2)
	theme := "Shared calendars and one intake form"
	ana.waitText(".news", "Phase: Cluster")
	ana.waitText(".theme-name", theme)
	fac.waitText(".theme-name", theme)
	keys.tabTo("the note on the canvas", fmt.Sprintf(`el.dataset.note === %q`, id), 60)
	before = keys.pressed
	keys.press(kb.Tab)
	keys.focused("the note's menu", `el.classList.contains('theme-menu')`)
	if got := eval[string](ana, `document.activeElement.getAttribute('aria-label')`); got != "Move to theme: "+text {
		t.Errorf("the menu is named %q", got)
	}
	keys.press(kb.Enter)
	for i := 0; i < 5 && eval[string](ana, `document.activeElement.textContent`) != theme; i++ {
		keys.press(kb.ArrowDown)
	}
	keys.press(kb.Enter)
	keys.focused("the note, in the theme", fmt.Sprintf(`el.dataset.note === %q && el.closest('.theme')`, id))
	moved := keys.pressed - before
	var themeID string
	r.waitBoard("the note in the theme", func() bool {
		var n board.Note
		r.fac.Get("note", id, &n)
		themeID = n.Theme
		return n.Theme != ""
	})
	fac.waitFor("the note in the theme", fmt.Sprintf(`document.querySelector('.theme[data-theme=%q] %s')`, themeID, note))

	before = keys.pressed
	keys.press(kb.Tab, kb.Enter, kb.End, kb.Enter)
	keys.focused("the new theme's name", `el.classList.contains('theme-field')`)
	name := "Transport to services"
	keys.write(name)
	keys.press(kb.Enter)
	keys.focused("the note again", fmt.Sprintf(`el.dataset.note === %q`, id))
	named := keys.pressed - before
	r.waitBoard("the named theme of the note", func() bool {
		var n board.Note
		var th board.Theme
		r.fac.Get("note", id, &n)
		return r.fac.Get("theme", n.Theme, &th) && th.Name == name
	})
	fac.waitFor("the named theme with the note", fmt.Sprintf(
		`[...document.querySelectorAll('.theme')].some((s) => s.querySelector('.theme-name').textContent === %s && s.querySelector(%s))`, js(name), js(note)))
	t.Logf("move to a theme: %d keys; a new named theme: %d keys and the name", moved, named)
	if moved > 5 || named > 5 {
		t.Errorf("moving a note took %d keys, a named theme %d; want 5 at most", moved, named)
	}

	// Vote: a dot on the new theme; the keyboard stays on the button.
	r.phase(board.Vote)
	ana.waitText(".news", "Phase: Vote")
	keys.tabTo("the dot button of the theme", fmt.Sprintf(`el.getAttribute('aria-label') === %s`, js("Add a dot to "+name)), 40)
	keys.press(kb.Enter)
	fac.waitText(".turnout", "1 of 26 have voted")
	var mine struct {
		Votes map[string]int `json:"votes"`
	}
	r.waitBoard("Ana's dot", func() bool {
		var n board.Note
		r.fac.Get("note", id, &n)
		me.Get("myvotes", me.You, &mine)
		return mine.Votes[n.Theme] == 1
	})
	keys.focused("the dot button still", fmt.Sprintf(`el.getAttribute('aria-label') === %s`, js("Add a dot to "+name)))
	r.do(r.fac, board.Op{Kind: board.VoteReveal})
	ana.waitText(".news", "The tallies are revealed")
	r.do(r.fac, board.Op{Kind: board.TimerStart, Seconds: 62})
	ana.waitText(".news", "One minute left")

	// Discuss: an owner for the theme, typed and left with Tab.
	r.phase(board.Discuss)
	ana.waitText(".news", "Phase: Discuss")
	keys.tabTo("the owner of the theme", fmt.Sprintf(`el.getAttribute('aria-label') === %s`, js("Owner for "+name)), 40)
	keys.write("Transport office with the youth council")
	keys.press(kb.Tab)
	r.waitBoard("the owner", func() bool {
		var d board.Discussion
		var n board.Note
		r.fac.Get("note", id, &n)
		return r.fac.Get("discussion", n.Theme, &d) && d.Owner == "Transport office with the youth council"
	})
	fac.waitText(".field-owner", "Transport office with the youth council")
	t.Logf("%d keys in all, the characters of texts not counted", keys.pressed)
	ana.checkNoExceptions()
	fac.checkNoExceptions()
}
