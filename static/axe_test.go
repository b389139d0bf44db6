package static_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
)

// axeSource is axe-core, the accessibility checker, vendored as test data
// (testdata/axe-core): the app never ships it.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe-core/axe.min.js")
	return string(b), err
})

// axeViolation is one rule broken, with every element that breaks it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Message string `json:"message"`
	} `json:"nodes"`
}

// axe runs axe-core on what the page shows now and fails the test with
// every violation of impact serious or critical (contrast, names,
// labels...), each with its rule, element and message.
func (p *page) axe(screen string) {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatal(err)
	}
	if !eval[bool](p, `typeof axe === 'object'`) {
		eval[bool](p, src+"\n;true")
	}
	script := `axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify(r.violations
  .filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), message: n.failureSummary })) }))))`
	out, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: axe on %s: %v", p.name, screen, err)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		p.t.Fatalf("%s: axe on %s: %v", p.name, screen, err)
	}
	for _, v := range violations {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s: axe %s (%s): %s", p.name, screen, v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n  %s\n    %s\n    %s", n.Target, n.HTML, strings.ReplaceAll(n.Message, "\n", "\n    "))
		}
		p.t.Error(b.String())
	}
}

// TestAccessibility runs axe-core on every screen of a workshop at the
// scale of a real room (the scenario's 26 participants, 5 groups, 70
// notes, 10 themes): start, join, the facilitator's console and each
// phase, for a participant on a laptop, one on a phone and the
// facilitator on both. It also holds the vote screen and the header to
// what a person on a phone needs: the ranking first, buttons named for
// what they act on and disabled when they cannot act, 44 px targets, the
// timer and the connection state in view however far the page scrolls.
func TestAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	browser := startBrowser(t)
	fac := newPage(t, browser, "facilitator", 1366, 768, false)
	facPhone := newPage(t, browser, "facilitator on a phone", 390, 844, true)
	laptop := newPage(t, browser, "participant on a laptop", 1366, 768, false)
	phone := newPage(t, browser, "participant on a phone", 390, 844, true)
	everyone := []*page{laptop, phone, fac, facPhone}

	// Start: the form, then the links of the workshop it created.
	fac.do(chromedp.Navigate(srv.URL + "/"))
	fac.waitText("#prompt", "underserved communities")
	fac.axe("start")
	fac.click(".start-form button[type=submit]")
	fac.waitFor("the QR code", `document.querySelector('.created svg.qr path')`)
	fac.axe("start, created")

	// The room, its tallies hidden until the reveal.
	r := newRoom(t, srv.URL, 70)
	settings := board.DefaultSettings()
	settings.HideTallies = true
	r.do(r.fac, board.Op{Kind: board.BoardSettings, Settings: &settings})

	// Join: the form as a newcomer fills it in; then two of the room's
	// people open the board on the laptop and the phone.
	for _, p := range []*page{laptop, phone} {
		p.do(chromedp.Navigate(r.joinURL))
		p.waitText(".join-form label", "Your name")
		p.axe("join")
		p.typeInto("#name", "Ana")
		p.click(`input[value="civil-servant"]`)
		p.axe("join, filled in")
	}
	phone.checkTouchTargets(".top select, .join-form input:not([type=radio]), .join-form .choice, .join-form button")
	laptop.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + url.QueryEscape(r.people[0].Token)))
	phone.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + url.QueryEscape(r.people[1].Token)))
	for _, p := range []*page{fac, facPhone} {
		p.do(chromedp.Navigate(r.facilitatorURL))
		p.waitText(".console .count", fmt.Sprintf("%d of %d participants online", len(r.people), len(r.people)))
		p.axe("console")
	}
	facPhone.checkTouchTargets(".board-header select, .console button, .console input, .console select")

	r.do(r.fac, board.Op{Kind: board.TimerStart, Seconds: 20 * 60})
	for _, p := range everyone {
		p.waitFor("the notes", `document.querySelector('.note')`)
		p.waitFor("the timer", `/\d:\d\d/.test(document.querySelector('.timer:not([hidden])')?.textContent ?? '')`)
	}
	check := func(screen string) {
		t.Helper()
		for _, p := range everyone {
			p.axe(screen)
		}
	}
	check("brainstorm")
	for _, phase := range []board.Phase{board.Share, board.Cluster} {
		r.phase(phase)
		for _, p := range everyone {
			p.waitFor(string(phase), fmt.Sprintf(`document.querySelector('.stage').dataset.phase === %q`, phase))
		}
		check(string(phase))
	}

	// Cluster: ten themes of four notes each; thirty notes stay loose.
	r.cluster(10, 4)
	for _, p := range everyone {
		p.waitFor("ten themes", `document.querySelectorAll('section.theme').length === 10`)
	}
	check("cluster, themed")
	var themes []string
	for id := range r.fac.Replica()["theme"] {
		themes = append(themes, id)
	}
	themes = sortedByNumber(themes)

	r.phase(board.Vote)
	for _, p := range everyone {
		p.waitFor("40 items to vote on", `document.querySelectorAll('.vote-item').length === 40`)
	}
	// Each vote button says what it acts on, and cannot be pressed when it
	// cannot act: nothing to take back yet, then no dots left.
	phone.waitFor("every button named for its item", `[...document.querySelectorAll('.vote-item')].every((li) => {
		const title = li.querySelector('.item-title').textContent
		return li.querySelector('.cast').getAttribute('aria-label') === 'Add a dot to ' + title &&
			li.querySelector('.retract').getAttribute('aria-label') === 'Take one back from ' + title })`)
	phone.waitFor("nothing to take back", `[...document.querySelectorAll('.retract')].every((b) => b.getAttribute('aria-disabled') === 'true')`)
	for i := 1; i <= 3; i++ {
		phone.click(fmt.Sprintf(".vote-item:nth-child(%d) .cast", i))
		phone.waitFor("the dot", fmt.Sprintf(`document.querySelector('.vote-item:nth-child(%d).voted .retract[aria-disabled=false]')`, i))
	}
	phone.waitText(".votes-left", "You have 0 dots left")
	phone.waitFor("no dot to add", `[...document.querySelectorAll('.cast')].every((b) => b.getAttribute('aria-disabled') === 'true')`)
	phone.checkTouchTargets(".board-header select, .vote button, .ranking-rest summary")

	// The rest of the room votes: the first themes get about 25, 12 and
	// 8 dots, the others 4 each.
	for i, c := range r.people {
		if i == 1 {
			continue // the phone's, spent above
		}
		for _, n := range []int{0, []int{1, 1, 1, 2, 2, 3}[i%6], 4 + i%6} {
			r.do(c, board.Op{Kind: board.VoteCast, Item: themes[n]})
		}
	}
	check("vote, hidden")
	r.do(r.fac, board.Op{Kind: board.VoteReveal})
	for _, p := range everyone {
		p.waitFor("the top three", fmt.Sprintf(`document.querySelector('.ranking .top-item')?.dataset.item === %q`, themes[0]))
	}
	check("vote, revealed")
	// The top three read as a list: each title right after its rank, not
	// squeezed into a narrow column of its own.
	laptop.waitFor("each top title beside its rank", `[...document.querySelectorAll('.ranking .top-item')].every((li) => {
		const box = li.getBoundingClientRect(), rank = li.querySelector('.rank').getBoundingClientRect(), title = li.querySelector('.rank-title').getClientRects()[0]
		return title.top < rank.bottom && title.left - box.left < box.width / 4 })`)
	laptop.screenshot("room-vote")
	// On a phone the top three are on the first screen, above the items,
	// and however far the page scrolls the timer and the connection state
	// stay in view.
	phone.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	phone.waitFor("the top three on the first screen", `[...document.querySelectorAll('.ranking .top-item')].every((li) => li.getBoundingClientRect().bottom <= innerHeight) &&
		document.querySelector('.ranking-panel').getBoundingClientRect().bottom < document.querySelector('.vote-item').getBoundingClientRect().top`)
	phone.waitFor("every item's dots, voted for or not", `[...document.querySelectorAll('.vote-item .tally')].every((p) => !p.hidden && /^\d+ dots?\b/.test(p.textContent))`)
	phone.screenshot("room-vote-phone")
	phone.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.documentElement.scrollHeight)`))
	phone.waitFor("the timer and the connection state in view", `scrollY > 2000 && ['.timer', '.conn'].every((s) => {
		const r = document.querySelector(s).getBoundingClientRect()
		return r.top >= 0 && r.bottom <= innerHeight })`)
	phone.screenshot("room-vote-phone-scrolled")

	r.phase(board.Discuss)
	for _, p := range everyone {
		p.waitFor("the top three", `document.querySelectorAll('.discussion').length === 3`)
	}
	laptop.typeInto(".discussion .field-owner", "District council clerk")
	phone.waitText(".discussion .field-owner", "District council clerk")
	check("discuss")
	phone.checkTouchTargets(".discussion input, .discussion textarea")

	for _, p := range everyone {
		p.checkNoExceptions()
	}
}

// checkTouchTargets fails the test if a control matching selector that
// is shown is smaller than 44 by 44 CSS pixels, the least a finger hits
// reliably.
func (p *page) checkTouchTargets(selector string) {
	p.t.Helper()
	small := eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%s)].filter((e) => e.getClientRects().length).flatMap((e) => {
		const r = e.getBoundingClientRect()
		return r.width < 44 || r.height < 44 ? [e.outerHTML.slice(0, 120) + ': ' + Math.round(r.width) + 'x' + Math.round(r.height)] : []
	})`, js(selector)))
	for _, s := range small {
		p.t.Errorf("%s: a target under 44 px: %s", p.name, s)
	}
}
