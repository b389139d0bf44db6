package static_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/plenary/plenary/board"
)

// What a first user stumbled on with a phone in the room (390x844): a
// hint that told them to drag where nothing drags, a new phase opened
// where the last one was scrolled, a dot cast offline that showed
// nowhere but in the header, and an empty ranking box above their dots.

// open opens the board as the room's participant who, on a page of its
// own that size, and waits until it is connected.
func (r *room) open(browser context.Context, name string, who, width, height int64, mobile bool) *page {
	r.t.Helper()
	p := newPage(r.t, browser, name, width, height, mobile)
	p.do(chromedp.Navigate(r.base + "/b/" + r.code + "#key=" + url.QueryEscape(r.people[who].Token)))
	p.waitFor("connected", `document.querySelector('.conn')?.dataset.state === 'connected'`)
	return p
}

// TestPhoneClusterHint: a phone, where notes do not drag, is told to tap
// a note and choose its theme, in English and in Spanish, and doing so
// makes a theme; a laptop, where they drag, is still told to drop one.
func TestPhoneClusterHint(t *testing.T) {
	_, browser, r := browserRoom(t, 6)
	r.phase(board.Cluster)
	phone := r.open(browser, "phone", 0, 390, 844, true)
	laptop := r.open(browser, "laptop", 1, 1280, 800, false)
	hint := `document.querySelector('.cluster .hint')?.textContent ?? ''`

	phone.waitFor("the notes, flowing", `document.querySelector('.cluster .note') && !document.querySelector('.world-viewport.camera')`)
	if got := eval[string](phone, hint); !strings.Contains(got, "Tap a note") || strings.Contains(got, "Drop") {
		t.Errorf("the phone's hint says %q; notes do not drag there", got)
	}
	laptop.waitFor("the camera", `document.querySelector('.world-viewport.camera')`)
	if got := eval[string](laptop, hint); !strings.HasPrefix(got, "Drop a note") {
		t.Errorf("the laptop's hint says %q; notes drag there", got)
	}

	// What the hint says works: a tap on a note, its menu, a new theme.
	noteSel := fmt.Sprintf(`.note[data-note=%q]`, eval[string](phone, `document.querySelector('.cluster .note').dataset.note`))
	note := ".cluster " + noteSel
	phone.click(note + " .note-text")
	phone.waitFor("the note's menu", fmt.Sprintf(`document.querySelector(%s)`, js(note+" .theme-menu")))
	phone.click(note + " .theme-menu")
	phone.waitFor("the choice of a new theme", fmt.Sprintf(`[...document.querySelectorAll(%s)].some((b) => b.textContent === 'A new theme of its own')`, js(note+" [role=menuitem]")))
	eval[bool](phone, fmt.Sprintf(`(() => { [...document.querySelectorAll(%s)].find((b) => b.textContent === 'A new theme of its own').click(); return true })()`, js(note+" [role=menuitem]")))
	phone.waitFor("the note in a theme of its own", fmt.Sprintf(`document.querySelector(%s)`, js(".cluster section.theme "+noteSel)))

	phone.choose(".lang", "es")
	phone.waitText(".phase-name", "Agrupar")
	if got, want := eval[string](phone, hint), esText(phone, "cluster.hintTap"); got != want || !strings.Contains(got, "Toque") {
		t.Errorf("the phone's hint in Spanish says %q, want %q", got, want)
	}
	phone.checkNoExceptions()
	laptop.checkNoExceptions()
}

// TestPhonePhaseOpensAtTop: a phone scrolled far down the cluster, with a
// note focused there, shows the vote from its top when the phase
// changes: the dots left and the first item on screen, and the keyboard
// at the vote's start, so the next Tab reaches the first item's dot.
func TestPhonePhaseOpensAtTop(t *testing.T) {
	_, browser, r := browserRoom(t, 30)
	r.phase(board.Cluster)
	phone := r.open(browser, "phone", 0, 390, 844, true)
	phone.waitFor("30 notes", `document.querySelectorAll('.cluster .note').length === 30`)
	eval[bool](phone, `(() => {
		scrollTo(0, 1300);
		[...document.querySelectorAll('.cluster .note')].find((n) => n.getBoundingClientRect().top > 300).focus({ preventScroll: true });
		return true })()`)
	phone.waitFor("the page scrolled down, a note focused", `scrollY >= 1200 && document.activeElement.classList.contains('note')`)

	r.phase(board.Vote)
	phone.waitFor("the vote's items", `document.querySelector('.vote-item .cast')`)
	phone.waitFor("the vote's top right under the header, the dots left on screen", `(() => {
		const under = document.querySelector('.board-header').getBoundingClientRect().bottom
		const stage = document.querySelector('.stage').getBoundingClientRect()
		const left = document.querySelector('.votes-left').getBoundingClientRect()
		return stage.top >= under - 1 && stage.top < under + 40 && left.bottom <= innerHeight })()`)
	phone.waitFor("the keyboard in the vote", `document.activeElement?.closest('.stage')`)
	phone.do(chromedp.KeyEvent(kb.Tab))
	if !eval[bool](phone, `document.activeElement === document.querySelector('.vote-item .cast')`) {
		t.Errorf("Tab from the new phase went to %s, not the first item's dot", eval[string](phone, `document.activeElement?.outerHTML.slice(0, 120) ?? ''`))
	}
	phone.checkNoExceptions()
}

// TestPhoneDotOffline: a dot cast, and one taken back, while the phone
// is offline show at once on their items and in the dots left, marked as
// waiting to be sent; once sent they are the board's dots, and one the
// board refuses (it was locked meanwhile) goes, leaving the dots as the
// board has them.
func TestPhoneDotOffline(t *testing.T) {
	_, browser, r := browserRoom(t, 6)
	r.phase(board.Cluster)
	r.phase(board.Vote)
	phone := r.open(browser, "phone", 0, 390, 844, true)
	phone.waitFor("the ballot", `document.querySelectorAll('.vote-item').length >= 3`)
	ids := eval[[]string](phone, `[...document.querySelectorAll('.vote-item')].map((li) => li.dataset.item)`)
	item := func(id string) string { return fmt.Sprintf(`.vote-item[data-item=%q]`, id) }
	a, b := item(ids[0]), item(ids[1])
	mine := func(sel string) string {
		return eval[string](phone, fmt.Sprintf(`document.querySelector(%s).textContent`, js(sel+" .my-dots")))
	}
	dots := func(sel, class string) int {
		return eval[int](phone, fmt.Sprintf(`document.querySelectorAll(%s).length`, js(sel+" .my-dots .dot-vote"+class)))
	}

	phone.press(b + " .cast")
	phone.waitText(".votes-left", "You have 2 dots left")
	phone.waitFor("the dot on the second item", fmt.Sprintf(`document.querySelector(%s)`, js(b+".voted")))

	phone.offline(true)
	phone.waitWithin("the page to say it is offline", `document.querySelector('.conn').dataset.state === 'offline'`, waitTimeout)
	phone.press(a + " .cast")
	phone.waitText(".conn", "1 waiting to be sent")
	phone.waitFor("the dot cast offline, on its item and in the dots left, waiting", fmt.Sprintf(`
		document.querySelector(%s)?.textContent.includes('1 waiting to be sent') &&
		getComputedStyle(document.querySelector(%s)).visibility === 'visible' &&
		/^You have 1 dot left/.test(document.querySelector('.votes-left').textContent) &&
		document.querySelector('.votes-left').textContent.includes('1 waiting to be sent')`, js(a+" .my-dots"), js(a+" .my-dots .dot-vote.pending")))
	if got := mine(a); !strings.HasPrefix(got, "Your dots here: 1") {
		t.Errorf("the item cast on offline says %q", got)
	}
	phone.press(b + " .retract")
	phone.waitText(".conn", "2 waiting to be sent")
	phone.waitFor("the dot taken back offline, waiting", fmt.Sprintf(`
		document.querySelector(%s)?.textContent.startsWith('Your dots here: 0') &&
		document.querySelector(%s)?.textContent.includes('1 waiting to be sent') &&
		/^You have 2 dots left/.test(document.querySelector('.votes-left').textContent) &&
		document.querySelector('.votes-left').textContent.includes('2 waiting to be sent')`, js(b+" .my-dots"), js(b+" .my-dots")))
	if n := dots(b, ".leaving"); n != 1 {
		t.Errorf("the item a dot is taken back from shows %d dots leaving, want 1", n)
	}

	phone.offline(false)
	phone.waitWithin("connected again", `document.querySelector('.conn').dataset.state === 'connected'`, waitTimeout)
	phone.waitFor("the board's dots, nothing waiting", fmt.Sprintf(`
		!document.querySelector('.vote .pending, .vote .leaving') &&
		document.querySelector('.votes-left').textContent === 'You have 2 dots left' &&
		document.querySelector(%s) && !document.querySelector(%s)`, js(a+".voted"), js(b+".voted")))
	r.waitBoard("the two ops applied", func() bool {
		var mv board.MyVotes
		r.people[0].Get("myvotes", r.people[0].You, &mv)
		return mv.Votes[ids[0]] == 1 && mv.Votes[ids[1]] == 0 && mv.Left == 2
	})
	if got := mine(a); got != "Your dots here: 1" {
		t.Errorf("the item cast on offline says %q once sent", got)
	}

	// Refused: cast offline on a board locked meanwhile.
	phone.offline(true)
	phone.waitWithin("offline again", `document.querySelector('.conn').dataset.state === 'offline'`, waitTimeout)
	phone.press(b + " .cast")
	phone.waitFor("the dot waiting", fmt.Sprintf(`document.querySelector(%s)`, js(b+" .my-dots .dot-vote.pending")))
	phone.waitText(".votes-left", "You have 1 dot left")
	r.do(r.fac, board.Op{Kind: board.BoardLock})
	phone.offline(false)
	phone.waitWithin("connected again", `document.querySelector('.conn').dataset.state === 'connected'`, waitTimeout)
	phone.waitFor("the refused dot gone", fmt.Sprintf(`
		!document.querySelector('.vote .pending') && document.querySelector(%s) &&
		document.querySelector('.votes-left').textContent === 'You have 2 dots left' &&
		!document.querySelector(%s)`, js(b+" .refusal"), js(b+".voted")))
	if n := dots(b, ""); n != 0 {
		t.Errorf("the item whose dot was refused shows %d dots", n)
	}
	phone.checkNoExceptions()
}

// TestPhoneHiddenTallies: while tallies are hidden, a phone shows no
// empty ranking box: the person's dots left come first, with the ballot
// under them, and the page says in one line why there is no ranking.
// Revealed, the ranking comes first again.
func TestPhoneHiddenTallies(t *testing.T) {
	_, browser, r := browserRoom(t, 12)
	settings := board.DefaultSettings()
	settings.HideTallies = true
	r.do(r.fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
	r.phase(board.Cluster)
	r.phase(board.Vote)
	phone := r.open(browser, "phone", 0, 390, 844, true)
	phone.waitFor("the ballot", `document.querySelectorAll('.vote-item').length >= 3`)
	var items []string
	for id := range r.fac.Replica()["note"] {
		items = append(items, id)
	}
	items = sortedByNumber(items)
	for _, c := range r.people[1:] {
		r.do(c, board.Op{Kind: board.VoteCast, Item: items[0]})
	}
	phone.waitText(".turnout", fmt.Sprintf("%d of %d have voted", len(r.people)-1, len(r.people)))
	phone.waitFor("no ranking box; the dots left right under the header, the first item on the first screen", `(() => {
		const panel = document.querySelector('.ranking-panel')
		const under = document.querySelector('.board-header').getBoundingClientRect().bottom
		const left = document.querySelector('.votes-left').getBoundingClientRect()
		return (!panel || panel.getClientRects().length === 0) && left.top >= under && left.top < under + 60 &&
			document.querySelector('.vote-item .cast').getBoundingClientRect().bottom <= innerHeight })()`)
	phone.waitText(".vote-status", "Tallies are hidden until the facilitator reveals them.")
	phone.waitText(".vote-status .turnout", fmt.Sprintf("%d of %d have voted", len(r.people)-1, len(r.people)))

	r.do(r.fac, board.Op{Kind: board.VoteReveal})
	phone.waitFor("the ranking, above the items", fmt.Sprintf(`document.querySelector('.ranking .top-item')?.dataset.item === %q &&
		document.querySelector('.ranking-panel').getBoundingClientRect().bottom < document.querySelector('.votes-left').getBoundingClientRect().top`, items[0]))
	if eval[bool](phone, `/hidden/.test(document.querySelector('.vote-status').textContent)`) {
		t.Errorf("revealed, the page still says %q", eval[string](phone, `document.querySelector('.vote-status').textContent`))
	}
	phone.checkNoExceptions()
}
