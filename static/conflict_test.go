package static_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
)

// opsHeld lets a test hold the ops a page sends (window.held_ = [])
// and let them go (window.release_()), so that an op is in flight, sent
// but not yet saved, for as long as the test needs.
const opsHeld = `(() => {
  const send = WebSocket.prototype.send;
  window.held_ = null;
  WebSocket.prototype.send = function (data) {
    if (window.held_ && typeof data === 'string' && data.startsWith('{"t":"op"')) {
      window.held_.push([this, data]);
      return;
    }
    return send.call(this, data);
  };
  window.release_ = () => {
    const held = window.held_;
    window.held_ = null;
    for (const [socket, data] of held) send.call(socket, data);
  };
})()`

// TestNoSilentOverwrite has two people write in one field at once, in
// their own browser contexts: a field without a draft shows the other's
// saved text at once, and a draft that meets a newer saved text shows both
// until its writer chooses. Every screen, the board and the export end up
// with the one text chosen.
func TestNoSilentOverwrite(t *testing.T) {
	srv, browser, r := browserRoom(t, 12)
	open := func(name string, token string) *page {
		p := newPage(t, browser, name, 1280, 800, false)
		p.beforeScripts(opsHeld)
		p.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + url.QueryEscape(token)))
		return p
	}
	ana, ben := open("Ana", r.people[0].Token), open("Ben", r.people[1].Token)
	fac := newPage(t, browser, "facilitator", 1366, 768, false)
	fac.do(chromedp.Navigate(r.facilitatorURL))

	// A note Ana is editing: the facilitator's edit shows in her field
	// while she has not changed it; once she has, she sees both.
	var me board.Participant
	r.people[0].Get("participant", r.people[0].You, &me)
	var id string
	for nid := range r.fac.Replica()["note"] {
		var n board.Note
		if r.fac.Get("note", nid, &n) && n.Chart == me.Group {
			id = nid
			break
		}
	}
	note := fmt.Sprintf(`.note[data-note=%q]`, id)
	ana.waitFor("her note", fmt.Sprintf(`document.querySelector(%s)`, js(note)))
	ana.click(note)
	ana.click(note + " .edit")
	field := note + " .note-field"
	ana.waitFor("the note's field", fmt.Sprintf(`document.activeElement === document.querySelector(%s)`, js(field)))
	r.do(r.fac, board.Op{Kind: board.NoteEdit, Note: id, Text: "Mobile clinics every month"})
	ana.waitFor("the facilitator's edit in her field", fmt.Sprintf(`document.querySelector(%s).value === 'Mobile clinics every month'`, js(field)))
	ana.do(chromedp.SendKeys(field, " in every district"))
	r.do(r.fac, board.Op{Kind: board.NoteEdit, Note: id, Text: "Mobile clinics twice a month"})
	ana.waitFor("both texts", fmt.Sprintf(`document.querySelector(%s).value === 'Mobile clinics every month in every district' && document.querySelector(%s)?.textContent === 'Mobile clinics twice a month'`,
		js(field), js(note+" .conflict:not([hidden]) .conflict-text")))
	ana.click(note + " .keep-mine")
	ana.waitFor("her field again", fmt.Sprintf(`document.activeElement === document.querySelector(%s)`, js(field)))
	ana.do(chromedp.KeyEvent("\r"))
	r.waitBoard("Ana's text", func() bool {
		var n board.Note
		return r.fac.Get("note", id, &n) && n.Text == "Mobile clinics every month in every district"
	})
	fac.waitText(note+" .note-text", "Mobile clinics every month in every district")

	// The top idea, discussed by Ana and Ben at once.
	r.phase(board.Cluster)
	r.cluster(1, 2)
	var theme string
	for tid := range r.fac.Replica()["theme"] {
		theme = tid
	}
	r.phase(board.Vote)
	r.do(r.people[2], board.Op{Kind: board.VoteCast, Item: theme})
	r.phase(board.Discuss)
	owner := fmt.Sprintf(`.discussion[data-item=%q] .field-owner`, theme)
	for _, p := range []*page{ana, ben, fac} {
		p.waitFor("the discussion", fmt.Sprintf(`document.querySelector(%s)`, js(owner)))
	}
	savedOwner := func(want string) {
		t.Helper()
		r.waitBoard(fmt.Sprintf("owner %q", want), func() bool {
			var d board.Discussion
			return r.fac.Get("discussion", theme, &d) && d.Owner == want
		})
	}

	// Ben is in the field, with no draft: Ana's text shows in it as saved.
	ben.click(owner)
	ana.typeInto(owner, "Ministry of Health")
	savedOwner("Ministry of Health")
	ben.waitFor("Ana's text in his field, his caret in it", fmt.Sprintf(
		`document.activeElement === document.querySelector(%s) && document.activeElement.value === 'Ministry of Health'`, js(owner)))

	// Ben adds to it, and his op is held in flight; Ana meanwhile saves
	// another text. Ben sees both; his field keeps his draft.
	eval[bool](ben, `(() => { window.held_ = []; return true })()`)
	ben.do(chromedp.SendKeys(owner, " and the Red Cross"))
	ben.waitFor("his op sent", `window.held_.length > 0`)
	eval[bool](ana, fmt.Sprintf(`(() => { document.querySelector(%s).select(); return true })()`, js(owner)))
	ana.do(chromedp.SendKeys(owner, "District council"))
	ana.do(chromedp.Blur(owner))
	savedOwner("District council")
	theirs := fmt.Sprintf(`.discussion[data-item=%q] .field:has(.field-owner) .conflict:not([hidden]) .conflict-text`, theme)
	ben.waitText(theirs, "District council")
	if got := eval[string](ben, fmt.Sprintf(`document.querySelector(%s).value`, js(owner))); got != "Ministry of Health and the Red Cross" {
		t.Errorf("Ben's field shows %q, want his draft", got)
	}

	// His op arrives after Ana's: the board holds his text, Ana's field
	// shows it at once, and Ben is still asked.
	eval[bool](ben, `(() => { window.release_(); return true })()`)
	savedOwner("Ministry of Health and the Red Cross")
	ana.waitFor("Ben's text in Ana's field", fmt.Sprintf(`document.querySelector(%s).value === 'Ministry of Health and the Red Cross'`, js(owner)))
	ben.waitText(theirs, "District council")

	// Ben takes Ana's text: every screen, the board and the export agree.
	ben.click(fmt.Sprintf(`.discussion[data-item=%q] .field:has(.field-owner) .use-theirs`, theme))
	savedOwner("District council")
	for _, p := range []*page{ana, ben, fac} {
		p.waitFor("the chosen text", fmt.Sprintf(`document.querySelector(%s).value === 'District council' && !document.querySelector('.conflict:not([hidden])')`, js(owner)))
	}
	body := fac.download(".export-md")
	if !strings.Contains(string(body), "District council") || strings.Contains(string(body), "Red Cross") {
		t.Errorf("the export does not hold the chosen text alone:\n%s", body)
	}
	for _, p := range []*page{ana, ben, fac} {
		p.checkNoExceptions()
	}
}
