package static_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
)

// TestPresenter follows the facilitator through a workshop of the
// scenario's size (27 people, 5 groups, 70 notes, 10 themes, tallies
// hidden) on the presenter view at 1920x1080 (opened on another machine
// with the facilitator's key, as links did before presenter keys) and at
// 1366x768 (opened as /p/CODE on the facilitator's laptop), and checks what the room sees: the QR code large in the lobby,
// each group's counts, the charts and the canvas readable in a box of the
// screen's height, no tallies while they are hidden, the top three large
// with their sectors as bars on reveal, what was agreed, the timer.
func TestPresenter(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	r := newRoom(t, srv.URL, 0)
	_, token, _ := strings.Cut(r.facilitatorURL, "#key=")
	settings := board.DefaultSettings()
	settings.HideTallies, settings.GroupSize = true, 5
	r.do(r.fac, board.Op{Kind: board.BoardSettings, Settings: &settings})
	r.do(r.fac, board.Op{Kind: board.GroupsForm})
	r.do(r.fac, board.Op{Kind: board.TimerStart, Seconds: 20 * 60})
	browser := startBrowser(t)

	// No key, no view: a stranger gets a sentence, not the board.
	stranger := newPage(t, browser, "stranger", 1366, 768, false)
	stranger.do(chromedp.Navigate(srv.URL + "/p/" + r.code))
	stranger.waitText(".fatal", "opens from the facilitator's console")
	stranger.close()

	small := newPage(t, browser, "projector 1366x768", 1366, 768, false)
	small.do(chromedp.Navigate(r.facilitatorURL))
	// The console's link carries a presenter key (TestPresenterKey); on
	// this browser /p/CODE opens on the facilitator's own token.
	small.waitFor("the console's link to the presenter view", `document.querySelector('.console .presenter-link')?.href.startsWith(`+js(srv.URL+"/p/"+r.code+"#key=")+`)`)
	small.do(chromedp.Navigate(srv.URL + "/p/" + r.code))
	big := newPage(t, browser, "projector 1920x1080", 1920, 1080, false)
	big.do(chromedp.Navigate(srv.URL + "/p/" + r.code + "#key=" + token))
	screens := []*page{big, small}
	// look is what each phase ends with: axe-core finds nothing serious on
	// either screen, and the pictures are taken when asked for.
	look := func(name string) {
		for _, p := range screens {
			p.axe("the presenter view, " + name)
			p.screenshot(fmt.Sprintf("presenter-%s-%d", name, eval[int](p, `innerWidth`)))
		}
	}

	// Lobby: the QR code fills at least 40% of the screen's height, beside
	// the code and the link; the key is off the address bar.
	for _, p := range screens {
		p.waitFor("the lobby's QR code", `document.querySelector('.presenter-lobby svg.qr path')?.getAttribute('d').length > 100`)
		p.waitText(".lobby-count", fmt.Sprintf("%d people have joined", len(r.people)))
		if share := eval[float64](p, `document.querySelector('.presenter-lobby .qr').getBoundingClientRect().height / innerHeight`); share < 0.4 {
			t.Errorf("%s: the QR code is %.0f%% of the screen's height, want 40%% or more", p.name, 100*share)
		}
		p.waitText(".lobby-link", srv.URL+"/j/"+r.code)
		p.waitText(".lobby-code .code", r.code)
		if loc := eval[string](p, `location.pathname + location.hash`); loc != "/p/"+r.code {
			t.Errorf("%s: the address bar shows %s", p.name, loc)
		}
		p.checkTimer()
	}
	look("lobby")

	// Brainstorm: five groups write 70 notes; each group's counts are live.
	r.write(70)
	// The facilitator's own op is acknowledged after every note: its
	// replica then holds them all.
	r.do(r.fac, board.Op{Kind: board.TimerAdd, Seconds: 60})
	notes, members := map[string]int{}, map[string]int{}
	for _, raw := range r.fac.Replica()["note"] {
		var n board.Note
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		notes[n.Chart]++
	}
	for _, raw := range r.fac.Replica()["participant"] {
		var p board.Participant
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		if !p.Facilitator {
			members[p.Group]++
		}
	}
	if len(notes) != 5 {
		t.Fatalf("the notes went to %d groups, want 5", len(notes))
	}
	for _, p := range screens {
		for g, n := range notes {
			p.waitText(fmt.Sprintf(`.group-count[data-group=%q] .group-count-notes`, g), fmt.Sprintf("%d notes", n))
			p.waitText(fmt.Sprintf(`.group-count[data-group=%q] .group-count-people`, g), fmt.Sprintf("%d people", members[g]))
		}
		p.checkBoard()
		p.readable("brainstorm", 70, 0)
		p.checkTimer()
	}
	look("brainstorm")

	// Share, with a chart in the spotlight; then the canvas, with ten themes.
	r.phase(board.Share)
	for _, p := range screens {
		p.waitText(".presenter-phase", "Share")
		p.checkBoard()
		p.readable("share", 70, 0)
	}
	r.do(r.fac, board.Op{Kind: board.ChartSpotlight, Chart: "g2"})
	for _, p := range screens {
		p.waitText(".presenter-phase", "Share · Group 2")
		p.readable("the spotlit chart", notes["g2"], 16)
	}
	look("share")
	r.phase(board.Cluster)
	r.cluster(10, 5)
	for _, p := range screens {
		p.waitFor("ten themes", `document.querySelectorAll('.presenter-board section.theme').length === 10`)
		p.checkBoard()
		// A projector of 1920x1080 shows all 70 notes in 16 px type or more.
		least := 0.0
		if eval[int](p, `innerWidth`) >= 1920 {
			least = 16
		}
		f := p.readable("cluster", 70, least)
		t.Logf("%s, cluster: smallest note text %.1f px", p.name, f.Smallest)
	}
	look("cluster")

	// Vote, hidden: the room sees the ballot and how many have voted, no
	// count of dots at all. The
	// first three themes get 9, 9 and 8 dots, the others 3 or 4, each
	// loose note 1 or 2: the top three are plain.
	var themes, loose []string
	for id := range r.fac.Replica()["theme"] {
		themes = append(themes, id)
	}
	for id, raw := range r.fac.Replica()["note"] {
		var n board.Note
		if json.Unmarshal(raw, &n) == nil && n.Theme == "" {
			loose = append(loose, id)
		}
	}
	themes, loose = sortedByNumber(themes), sortedByNumber(loose)
	if len(themes) != 10 || len(loose) != 20 {
		t.Fatalf("%d themes and %d loose notes, want 10 and 20", len(themes), len(loose))
	}
	r.phase(board.Vote)
	for i, c := range r.people {
		for _, item := range []string{themes[i%3], themes[3+i%7], loose[i%len(loose)]} {
			r.do(c, board.Op{Kind: board.VoteCast, Item: item})
		}
	}
	// A change everyone sees, after every vote: once it shows, the
	// presenter has been sent all the votes could tell it.
	r.do(r.fac, board.Op{Kind: board.BoardEdit, Title: "Voting", Prompt: "Three each"})
	for _, p := range screens {
		p.waitText(".presenter-title", "Voting")
		p.waitText(".presenter-status", "Tallies are hidden")
		// Who has voted, not what: every one of the room's 26.
		p.waitText(".presenter-sub", fmt.Sprintf("%d of %d have voted", len(r.people), len(r.people)))
		if n := eval[int](p, `document.querySelectorAll('.ballot li').length`); n != 30 {
			t.Errorf("%s: the ballot lists %d ideas, want the 10 themes and 20 loose notes", p.name, n)
		}
		if leak := eval[string](p, `[...document.querySelectorAll('.split-bars, .presenter-top, .top-votes, .rest-votes')].map((e) => e.outerHTML).join('') || (/\d+ dots?\b/.test(document.body.innerText) ? document.body.innerText : '')`); leak != "" {
			t.Errorf("%s shows tallies while they are hidden:\n%s", p.name, leak)
		}
		p.checkFits()
		p.checkTimer()
	}
	look("vote-hidden")

	// Reveal: the top three large, each with its sectors as bars.
	r.do(r.fac, board.Op{Kind: board.VoteReveal})
	var ranking board.Ranking
	r.fac.Get("ranking", "ranking", &ranking)
	if len(ranking.Top) != 3 {
		t.Fatalf("the top is %v, want three", ranking.Top)
	}
	for _, p := range screens {
		p.waitFor("the top three", `document.querySelectorAll('.presenter-top .top-item').length === 3`)
		for _, id := range ranking.Top {
			var tally board.Tally
			r.fac.Get("tally", id, &tally)
			item := fmt.Sprintf(`.top-item[data-item=%q]`, id)
			got := eval[[]int](p, fmt.Sprintf(`[...document.querySelectorAll(%s)].map((e) => +e.dataset.n)`, js(item+" .split-bar")))
			if len(got) != 2 || got[0] != tally.CivilServant || got[1] != tally.CivilSociety {
				t.Errorf("%s: the bars of %s say %v, want %d civil servant and %d civil society", p.name, id, got, tally.CivilServant, tally.CivilSociety)
			}
			if w := eval[float64](p, fmt.Sprintf(`document.querySelector(%s).getBoundingClientRect().width`, js(item+" .split-civil-servant .split-fill"))); tally.CivilServant > 0 && w < 10 {
				t.Errorf("%s: the civil servants' bar of %s is %.0f px wide", p.name, id, w)
			}
		}
		if size := eval[float64](p, `parseFloat(getComputedStyle(document.querySelector('.top-title')).fontSize) / innerHeight`); size < 0.03 {
			t.Errorf("%s: the top three's titles are %.1f%% of the screen's height, want large type (3%% or more)", p.name, 100*size)
		}
		p.checkFits()
		p.checkTimer()
	}
	look("vote-revealed")

	// Discuss: what was agreed on each of the top three.
	r.phase(board.Discuss)
	for i, id := range ranking.Top {
		c := r.people[i]
		r.do(c, board.Op{Kind: board.DiscussSet, Item: id, Field: "owner", Text: fmt.Sprintf("%s and a partner", c.You)})
		r.do(c, board.Op{Kind: board.DiscussSet, Item: id, Field: "next", Text: "Draft a one-page plan by the next meeting"})
		r.do(c, board.Op{Kind: board.DiscussSet, Item: id, Field: "how", Text: "A pilot in two districts, reported at the CoP"})
		r.do(c, board.Op{Kind: board.DiscussSet, Item: id, Field: "possible", Text: "Start in two districts with the staff we have"})
	}
	for _, p := range screens {
		for i, id := range ranking.Top {
			p.waitText(fmt.Sprintf(`.agreed[data-item=%q] .agreed-owner`, id), fmt.Sprintf("%s and a partner", r.people[i].You))
			p.waitText(fmt.Sprintf(`.agreed[data-item=%q] .agreed-next`, id), "Draft a one-page plan")
			p.waitText(fmt.Sprintf(`.agreed[data-item=%q] .agreed-possible`, id), "Start in two districts")
		}
		p.checkFits()
		p.checkTimer()
	}
	look("discuss")
	for _, p := range screens {
		p.checkNoExceptions()
	}
}

// checkTimer fails unless the countdown shows, large, in the screen's top
// right corner.
func (p *page) checkTimer() {
	p.t.Helper()
	p.waitFor("the countdown", `/\d+:\d\d/.test(document.querySelector('.presenter-timer:not([hidden])')?.textContent ?? '')`)
	box := eval[struct{ Right, Top, Height, Width, Font float64 }](p, `(() => {
		const r = document.querySelector('.presenter-timer').getBoundingClientRect();
		return { Right: innerWidth - r.right, Top: r.top, Height: innerHeight, Width: innerWidth, Font: parseFloat(getComputedStyle(document.querySelector('.presenter-timer')).fontSize) } })()`)
	if box.Right > 0.05*box.Width || box.Top > 0.05*box.Height || box.Font < 0.04*box.Height {
		p.t.Errorf("%s: the timer is %.0f px from the right, %.0f px from the top, in %.0f px type; want it large in the top right corner", p.name, box.Right, box.Top, box.Font)
	}
}

// checkBoard fails unless the shared surface has a box of definite height
// below the strip, within the screen, to fit itself into.
func (p *page) checkBoard() {
	p.t.Helper()
	box := eval[struct{ Top, Bottom, Height, Screen float64 }](p, `(() => {
		const r = document.querySelector('.presenter-board').getBoundingClientRect();
		return { Top: r.top, Bottom: r.bottom, Height: r.height, Screen: innerHeight } })()`)
	if box.Height < 0.5*box.Screen || box.Bottom > box.Screen+1 {
		p.t.Errorf("%s: the board's box is %.0f px high, %.0f to %.0f on a screen of %.0f", p.name, box.Height, box.Top, box.Bottom, box.Screen)
	}
}

// checkFits fails if what the stage shows runs past the screen.
func (p *page) checkFits() {
	p.t.Helper()
	if over := eval[float64](p, `(() => { const s = document.querySelector('.presenter-stage'); return s.scrollHeight - s.clientHeight })()`); over > 1 {
		p.t.Errorf("%s: the stage runs %.0f px past the screen", p.name, over)
	}
}
