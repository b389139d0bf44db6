package static_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
)

// TestVoteAsFacilitated runs the vote of the scenario's room as a
// facilitator runs it, in real browsers: the facilitator's console, a
// participant who joined late, and the presenter view. The console sets
// the dots in the bounds the server sends and shows who has voted; buttons
// that cannot act are disabled; tallies revealed can be hidden again;
// empty themes and a second note of one idea are not on the ballot; and
// the results show the top three of each sector.
func TestVoteAsFacilitated(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	r := newRoom(t, srv.URL, 30)
	_, token, _ := strings.Cut(r.facilitatorURL, "#key=")
	browser := startBrowser(t)
	fac := newPage(t, browser, "facilitator", 1400, 900, false)
	fac.do(chromedp.Navigate(r.facilitatorURL))
	ana := newPage(t, browser, "Ana", 1280, 860, false)
	ana.join(r.joinURL, "Ana", "civil-servant")
	projector := newPage(t, browser, "projector", 1920, 1080, false)
	projector.do(chromedp.Navigate(srv.URL + "/p/" + r.code + "#key=" + token))

	// Groups: each shows its sectors, and a move that breaks the balance
	// is warned of.
	counts := func() map[string][2]int {
		out := map[string][2]int{}
		for _, raw := range r.fac.Replica()["participant"] {
			var p board.Participant
			if json.Unmarshal(raw, &p) != nil || p.Facilitator {
				continue
			}
			c := out[p.Group]
			if p.Role == board.CivilServant {
				c[0]++
			} else {
				c[1]++
			}
			out[p.Group] = c
		}
		return out
	}
	for g, c := range counts() {
		fac.waitText(fmt.Sprintf(`.group-list[data-group=%q] .group-sectors`, g), fmt.Sprintf("%d civil servants · %d civil society", c[0], c[1]))
	}
	if hidden := eval[bool](fac, `document.querySelector('.unbalanced').hidden`); !hidden {
		t.Errorf("the console warns of balanced groups: %s", eval[string](fac, `document.querySelector('.unbalanced').textContent`))
	}
	servants := func(group string) []string {
		var ids []string
		for id, raw := range r.fac.Replica()["participant"] {
			var p board.Participant
			if json.Unmarshal(raw, &p) == nil && p.Group == group && p.Role == board.CivilServant {
				ids = append(ids, id)
			}
		}
		return sortedByNumber(ids)
	}
	moved := servants("g1")[:2]
	for _, id := range moved {
		fac.choose(fmt.Sprintf(`li[data-participant=%q] select`, id), "g2")
		fac.waitFor("the move", fmt.Sprintf(`document.querySelector('.group-list[data-group="g2"] li[data-participant=%q]')`, id))
	}
	fac.waitText(".unbalanced", "Out of balance: civil servants per group range from")
	for _, id := range moved {
		fac.choose(fmt.Sprintf(`li[data-participant=%q] select`, id), "g1")
	}
	fac.waitFor("the warning gone", `document.querySelector('.unbalanced').hidden`)

	// The ballot: two themes, an empty one that is not on it, and a note
	// that says what another says, in other case and spacing, which is not
	// either.
	r.phase(board.Cluster)
	r.cluster(2, 3)
	r.do(r.fac, board.Op{Kind: board.ThemeCreate, Name: "Nothing in it yet"})
	var first board.Note
	for _, raw := range r.fac.Replica()["note"] {
		var n board.Note
		if json.Unmarshal(raw, &n) == nil && n.Theme == "" {
			first = n
			break
		}
	}
	twin := r.do(r.fac, board.Op{Kind: board.NoteAdd, Chart: first.Chart, Text: "  " + strings.ToUpper(first.Text) + " "})[0].ID
	r.phase(board.Vote)
	var ballot board.Ballot
	r.fac.Get("ballot", "ballot", &ballot)
	if len(ballot.Items) != 2+30-6 {
		t.Fatalf("the ballot holds %d items, want 2 themes and 24 loose notes: %v", len(ballot.Items), ballot.Items)
	}
	for _, p := range []*page{fac, ana} {
		p.waitFor("the ballot's items", fmt.Sprintf(`document.querySelectorAll('.vote-item').length === %d`, len(ballot.Items)))
		if eval[bool](p, fmt.Sprintf(`Boolean(document.querySelector('.vote-item[data-item=%q]'))`, twin)) {
			t.Errorf("%s: the second note of one idea is on the ballot", p.name)
		}
		p.waitText(fmt.Sprintf(`.vote-item[data-item=%q] .item-title`, first.ID), first.Text)
	}

	// Settings: the console's bounds are the server's; out of them the
	// browser keeps the form from being sent.
	fac.waitFor("the server's bounds", `document.querySelector('#votes-per-person').max === '20' && document.querySelector('#votes-per-person').min === '1'`)
	fac.do(chromedp.SetValue(chromedp.CSS("#votes-per-person"), "25"))
	fac.click(".save-settings")
	if valid := eval[bool](fac, `document.querySelector('.vote-settings').checkValidity()`); valid {
		t.Error("the console takes 25 dots per person")
	}
	fac.do(chromedp.SetValue(chromedp.CSS("#votes-per-person"), "4"))
	fac.do(chromedp.SetValue(chromedp.CSS("#votes-per-item"), "2"))
	fac.click("#console-hide-tallies")
	fac.click(".save-settings")
	ana.waitText(".votes-left", "You have 4 dots left")
	r.do(r.fac, board.Op{Kind: board.TimerStop}) // applied after the console's settings
	var info struct{ Settings board.Settings }
	r.fac.Get("board", "board", &info)
	if s := info.Settings; s.VotesPerParticipant != 4 || s.MaxVotesPerItem != 2 || !s.HideTallies {
		t.Fatalf("the console's settings reached the board as %+v", s)
	}

	// Disabled buttons: two dots on one item is its most; a locked board
	// takes none.
	item := func(id string) string { return fmt.Sprintf(`.vote-item[data-item=%q]`, id) }
	disabled := func(selector string) string {
		return fmt.Sprintf(`(document.querySelector(%s).getAttribute("aria-disabled") === "true")`, js(selector))
	}
	theme := ballot.Items[0]
	ana.waitFor("nothing to take back", disabled(item(theme)+" .retract"))
	ana.click(item(theme) + " .cast")
	ana.waitText(".votes-left", "You have 3 dots left")
	ana.click(item(theme) + " .cast")
	ana.waitText(".votes-left", "You have 2 dots left")
	ana.waitFor("the item's most", disabled(item(theme)+" .cast"))
	ana.waitFor("another item open", "!"+disabled(item(ballot.Items[1])+" .cast"))
	fac.click(".console .lock-board")
	ana.waitFor("every dot closed", `[...document.querySelectorAll('.vote-item .cast, .vote-item .retract')].every((b) => b.getAttribute('aria-disabled') === 'true')`)
	fac.click(".console .lock-board")
	ana.waitFor("dots open again", "!"+disabled(item(ballot.Items[1])+" .cast"))

	// Turnout: the console and the projector count who has voted, live.
	fac.waitText(".console .turnout", fmt.Sprintf("1 of %d have voted", len(r.people)+1))
	projector.waitText(".presenter-sub", fmt.Sprintf("1 of %d have voted", len(r.people)+1))
	for i, c := range r.people {
		for _, it := range []string{ballot.Items[i%2], ballot.Items[2+i%5], ballot.Items[7+i%3]} {
			r.do(c, board.Op{Kind: board.VoteCast, Item: it})
		}
	}
	fac.waitText(".console .turnout", fmt.Sprintf("%d of %d have voted", len(r.people)+1, len(r.people)+1))
	projector.waitText(".presenter-sub", fmt.Sprintf("%d of %d have voted", len(r.people)+1, len(r.people)+1))
	ana.waitText(".vote-status", "Tallies are hidden")

	// Reveal, hide again, reveal: every screen follows.
	if err := r.fac.WaitSeq(r.within(), r.people[len(r.people)-1].Seq()); err != nil {
		t.Fatal(err)
	}
	var ranking board.Ranking
	r.fac.Get("ranking", "ranking", &ranking)
	fac.waitFor("the button to reveal tallies", `document.querySelector('.console .reveal').textContent === 'Reveal tallies'`)
	fac.click(".console .reveal")
	for _, p := range []*page{ana, projector} {
		p.waitFor("the revealed ranking", `document.querySelector('.top-item')`)
	}
	fac.waitFor("the button to hide tallies again", `document.querySelector('.console .reveal').textContent === 'Hide tallies again'`)
	fac.click(".console .reveal")
	ana.waitText(".vote-status", "Tallies are hidden")
	projector.waitText(".presenter-status", "Tallies are hidden")
	if eval[bool](ana, `Boolean(document.querySelector('.vote-item .tally:not([hidden])'))`) {
		t.Error("Ana still sees an item's tally after it was hidden again")
	}
	fac.waitFor("the button to reveal tallies", `document.querySelector('.console .reveal').textContent === 'Reveal tallies'`)
	fac.click(".console .reveal")

	// The top three of each sector, on the vote screen and the projector.
	for _, p := range []*page{fac, ana, projector} {
		for role, top := range map[string][]board.Rank{"civil-servant": ranking.TopCivilServant, "civil-society": ranking.TopCivilSociety} {
			if len(top) < 3 {
				t.Fatalf("the %s top three is %v", role, top)
			}
			want := make([]string, len(top))
			for i, rank := range top {
				want[i] = rank.Item
			}
			list := fmt.Sprintf(`.sector-top[data-role=%q] li`, role)
			p.waitFor(role+"'s top three", fmt.Sprintf(`[...document.querySelectorAll(%s)].map((li) => li.dataset.item).join() === %s`, js(list), js(strings.Join(want, ","))))
			dots := fmt.Sprintf("%d dots", top[0].Votes)
			if top[0].Votes == 1 {
				dots = "1 dot"
			}
			p.waitText(fmt.Sprintf(`.sector-top[data-role=%q] li[data-item=%q]`, role, top[0].Item), dots)
		}
	}
	projector.checkFits()
	for _, p := range []*page{fac, ana, projector} {
		p.checkNoExceptions()
	}
}
