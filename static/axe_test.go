package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
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

// roomScenario is the realistic room (../shared/workshop/scenario.json,
// kept in hub/testdata).
type roomScenario struct {
	Title        string `json:"title"`
	Participants []struct {
		Name string     `json:"name"`
		Role board.Role `json:"role"`
	} `json:"participants"`
	Ideas []string `json:"ideas"`
}

// roomThemes are the names the plenary gives its ten themes.
var roomThemes = []string{
	"Reach the remote villages", "One door for every service", "Speak people's languages",
	"Learn together", "Run the community of practice", "Share what we know about each district",
	"Youth as ambassadors", "Evening and weekend services", "Measure what changes", "Fund it together",
}

// TestAccessibility runs axe-core on every screen of a workshop at the
// scale of a real room (the scenario's 26 participants, 5 groups, 70
// notes, 10 themes): start, join, the facilitator's console and each
// phase, for a participant on a laptop, one on a phone and the
// facilitator. It also holds the vote screen and the header to what a
// person on a phone needs: the ranking first, buttons named for what they
// act on and disabled when they cannot act, 44 px targets, the timer and
// the connection state in view however far the page scrolls.
func TestAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	raw, err := os.ReadFile("../hub/testdata/scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	var sc roomScenario
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t)
	browser := startBrowser(t)
	fac := newPage(t, browser, "facilitator", 1366, 768, false)
	laptop := newPage(t, browser, "participant on a laptop", 1366, 768, false)
	phone := newPage(t, browser, "participant on a phone", 390, 844, true)
	participants := []*page{laptop, phone}
	facPhone := newPage(t, browser, "facilitator on a phone", 390, 844, true)
	everyone := []*page{laptop, phone, fac, facPhone}

	// Start: the form, then the links of the workshop it created.
	fac.do(chromedp.Navigate(srv.URL + "/"))
	fac.waitText("#prompt", "underserved communities")
	fac.axe("start")
	fac.do(chromedp.SetValue(chromedp.CSS("#title"), sc.Title))
	fac.click("#hide-tallies")
	fac.click(".start-form button[type=submit]")
	fac.waitFor("the QR code", `document.querySelector('.created svg.qr path')`)
	fac.axe("start, created")
	facilitatorURL := eval[string](fac, `document.querySelector('.facilitator-link').href`)
	joinURL := eval[string](fac, `document.querySelector('.created .join-link').href`)
	code := eval[string](fac, `document.querySelector('.created .code').textContent`)

	// The room: the scenario's people join, two of them in the browsers.
	// within bounds one exchange with the server.
	within := func() context.Context {
		ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
		t.Cleanup(cancel)
		return ctx
	}
	_, token, _ := strings.Cut(facilitatorURL, "#key=")
	host, err := client.Dial(within(), srv.URL, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	do := func(c *client.Client, op board.Op) client.Frame {
		t.Helper()
		f, err := c.Do(within(), op)
		if err != nil {
			t.Fatalf("%s by %s: %v", op.Kind, c.You, err)
		}
		return f
	}
	var people []*client.Client
	for i, person := range sc.Participants[1:] {
		if i < len(participants) {
			p := participants[i]
			p.do(chromedp.Navigate(joinURL))
			p.waitText(".join-form label", "Your name")
			if i == 0 {
				p.axe("join")
			}
			p.typeInto("#name", person.Name)
			p.click(fmt.Sprintf(`input[value=%q]`, person.Role))
			p.axe("join, filled in")
			if p == phone {
				p.checkTouchTargets(".top select, .join-form input:not([type=radio]), .join-form .choice, .join-form button")
			}
			p.click(".join-button")
			p.waitText(".who", person.Name)
			continue
		}
		c, err := client.Dial(within(), srv.URL, client.Hello{Board: code, Join: &client.Join{Name: person.Name, Role: person.Role}}, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		people = append(people, c)
	}
	fac.do(chromedp.Navigate(facilitatorURL))
	facPhone.do(chromedp.Navigate(facilitatorURL))
	facPhone.waitText(".console .count", "participants online")
	fac.waitText(".console .count", fmt.Sprintf("%d of %d participants online", len(sc.Participants)-1, len(sc.Participants)-1))
	for _, p := range []*page{fac, facPhone} {
		p.axe("console, lobby")
	}
	facPhone.checkTouchTargets(".board-header select, .console button, .console input, .console select")

	// Brainstorm: five groups write 70 notes.
	do(host, board.Op{Kind: board.GroupsForm, Size: 6})
	groupOf := map[string]string{}
	for _, c := range people {
		if err := c.WaitSeq(within(), host.Seq()); err != nil {
			t.Fatal(err)
		}
		var me board.Participant
		if !c.Get("participant", c.You, &me) || me.Group == "" {
			t.Fatalf("%s has no group", c.You)
		}
		groupOf[c.You] = me.Group
	}
	const notes = 70
	noteIDs := make([]string, notes)
	for i := range notes {
		c := people[i%len(people)]
		x, y := float64(i%5)/5, float64(i/5%8)/8
		f := do(c, board.Op{Kind: board.NoteAdd, Chart: groupOf[c.You], Text: sc.Ideas[i%len(sc.Ideas)], X: &x, Y: &y})
		for _, ch := range f.Changes {
			if ch.E == "note" {
				noteIDs[i] = ch.ID
			}
		}
	}
	do(host, board.Op{Kind: board.TimerStart, Seconds: 20 * 60})
	for _, p := range everyone {
		p.waitFor("the group charts", `document.querySelector('.chart .note')`)
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
		do(host, board.Op{Kind: board.PhaseSet, Phase: phase})
		for _, p := range everyone {
			p.waitFor(string(phase), fmt.Sprintf(`document.querySelector('.stage').dataset.phase === %q`, phase))
		}
		check(string(phase))
	}

	// Cluster: ten themes of four notes each; thirty notes stay loose.
	for i, name := range roomThemes {
		c := people[i%len(people)]
		x, y := float64(i%5)/5, float64(i/5)/2
		f := do(c, board.Op{Kind: board.ThemeCreate, Notes: noteIDs[4*i : 4*i+2], X: &x, Y: &y})
		var theme string
		for _, ch := range f.Changes {
			if ch.E == "theme" {
				theme = ch.ID
			}
		}
		do(c, board.Op{Kind: board.ThemeRename, Theme: theme, Name: name})
		for _, n := range noteIDs[4*i+2 : 4*i+4] {
			do(c, board.Op{Kind: board.NoteTheme, Note: n, Theme: theme})
		}
	}
	for _, p := range everyone {
		p.waitFor("ten themes", `document.querySelectorAll('.canvas .theme').length === 10`)
	}
	check("cluster, themed")

	// Vote: the room spends its dots, tallies hidden until the reveal.
	do(host, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
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

	// The room votes: the themes get 24, 12 and 8 dots, and 4 each after.
	for i, c := range people {
		for _, n := range []int{0, []int{1, 1, 1, 2, 2, 3}[i%6], 4 + i%6} {
			var theme board.Theme
			for id := range c.Replica()["theme"] {
				if c.Get("theme", id, &theme) && theme.Name == roomThemes[n] {
					do(c, board.Op{Kind: board.VoteCast, Item: id})
				}
			}
		}
	}
	check("vote, hidden")
	do(host, board.Op{Kind: board.VoteReveal})
	for _, p := range everyone {
		p.waitText(".ranking .top-item", roomThemes[0])
	}
	check("vote, revealed")
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

	do(host, board.Op{Kind: board.PhaseSet, Phase: board.Discuss})
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
