package static_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/static"
)

// waitTimeout bounds every wait for something to appear on a page. The
// whole workshop takes seconds; this is only how long a broken step may
// hang before it fails.
const waitTimeout = 30 * time.Second

// startServer runs the real hub, with a bbolt log and the embedded app,
// behind an httptest server; opts change its configuration.
func startServer(t testing.TB, opts ...func(*plenarytest.Config)) *httptest.Server {
	t.Helper()
	app := func(c *plenarytest.Config) { c.API.Static = static.Files }
	return plenarytest.Start(t, append([]func(*plenarytest.Config){app}, opts...)...).HTTP
}

// startBrowser starts Debian's Chromium headless with a fresh profile.
func startBrowser(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: `make test` installs it (apt-get install chromium)")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return browser
}

// page is one person's browser: its own browser context, so its
// localStorage (and so its session token) is its own.
type page struct {
	t      testing.TB
	name   string
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	exceptions []string
	requests   []string // every URL the page asked for
	wire       *boardBytes
}

func newPage(t testing.TB, browser context.Context, name string, width, height int64, mobile bool) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &page{t: t, name: name, ctx: ctx, cancel: cancel}
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.do(chromedp.EmulateViewport(width, height, opts...))
	if err := chromedp.Listen(ctx, func(ev any) {
		if req, ok := ev.(*network.EventRequestWillBeSent); ok {
			p.mu.Lock()
			p.requests = append(p.requests, req.Request.URL)
			p.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				p.mu.Lock()
				p.exceptions = append(p.exceptions, m.String())
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// close closes the page's browser context, and with it the page.
func (p *page) close() { p.cancel() }

// beforeScripts runs script in every document the page loads, before the
// page's own: to take away what a browser lacks, say.
func (p *page) beforeScripts(script string) {
	p.do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return chromedp.Void{}, err
	})
}

// emulateNetwork gives the page's requests these conditions (Chromium's
// network emulation): a weak link for all of them, or a slow one for one
// file, say.
func (p *page) emulateNetwork(conditions ...*network.Conditions) {
	p.do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conditions})
		return chromedp.Void{}, err
	})
}

func (p *page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval runs a script on the page and decodes its value.
func eval[T any](p *page, script string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		p.t.Fatalf("%s: evaluate %s: %v", p.name, script, err)
	}
	return v
}

// waitFor polls until the script is truthy on the page; on timeout it
// fails with what the page shows, which is what a person would see.
func (p *page) waitFor(what, script string) {
	p.t.Helper()
	p.waitWithin(what, script, waitTimeout)
}

// waitWithin is waitFor with its own bound.
func (p *page) waitWithin(what, script string, bound time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, bound)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("Boolean("+script+")", chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		p.mu.Lock()
		defer p.mu.Unlock()
		p.t.Fatalf("%s: waiting for %s: %v\npage shows:\n%s\nexceptions: %q", p.name, what, err, text, p.exceptions)
	}
}

// waitText waits until an element matching selector shows text.
func (p *page) waitText(selector, text string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%q in %s", text, selector),
		fmt.Sprintf(`[...document.querySelectorAll(%s)].some((e) => (typeof e.value === 'string' ? e.value : e.textContent).includes(%s))`, js(selector), js(text)))
}

func (p *page) click(selector string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(selector)))
}

// press clicks the element itself, not its place on the screen: on a
// busy machine a page still laying out can move a button between
// chromedp's finding it and its click, which then lands on nothing.
func (p *page) press(selector string) {
	p.t.Helper()
	p.waitFor(selector, fmt.Sprintf(`document.querySelector(%s) !== null`, js(selector)))
	eval[any](p, fmt.Sprintf(`document.querySelector(%s).click()`, js(selector)))
}

func (p *page) typeInto(selector, text string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(selector)), chromedp.SendKeys(chromedp.CSS(selector), text))
}

// choose picks an option of a select as a person does, firing change.
func (p *page) choose(selector, value string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector(%s); s.value = %s; s.dispatchEvent(new Event('change', { bubbles: true })); return true })()`, js(selector), js(value)))
}

// noteID finds the id of the note showing text.
func (p *page) noteID(text string) string {
	p.t.Helper()
	p.waitText(".note[data-note] .note-text", text)
	return eval[string](p, fmt.Sprintf(`[...document.querySelectorAll('.note[data-note]')].find((n) => n.querySelector('.note-text').textContent === %s).dataset.note`, js(text)))
}

// itemID finds the id of the vote item titled text.
func (p *page) itemID(text string) string {
	p.t.Helper()
	p.waitText(".vote-item .item-title", text)
	return eval[string](p, fmt.Sprintf(`[...document.querySelectorAll('.vote-item')].find((n) => n.querySelector('.item-title').textContent === %s).dataset.item`, js(text)))
}

type point struct{ X, Y float64 }

// center is the middle of the first element matching selector, in viewport pixels.
func (p *page) center(selector string) point {
	p.t.Helper()
	p.do(chromedp.ScrollIntoView(chromedp.CSS(selector)))
	return p.middle(selector)
}

// middle is the middle of the first element matching selector, in
// viewport pixels, as it is drawn now (nothing is scrolled to show it).
func (p *page) middle(selector string) point {
	p.t.Helper()
	return eval[point](p, fmt.Sprintf(`(() => { const r = document.querySelector(%s).getBoundingClientRect(); return { X: r.left + r.width / 2, Y: r.top + r.height / 2 } })()`, js(selector)))
}

// topLeft is where the element matching selector is drawn now, drags included.
func (p *page) topLeft(selector string) point {
	p.t.Helper()
	return eval[point](p, fmt.Sprintf(`(() => { const r = document.querySelector(%s).getBoundingClientRect(); return { X: r.left, Y: r.top } })()`, js(selector)))
}

func (p *page) mouse(typ input.DispatchMouseEventType, at point) {
	p.t.Helper()
	p.do(chromedp.MouseEvent(typ, at.X, at.Y, chromedp.ButtonLeft, func(e *input.DispatchMouseEventParams) {
		e.Buttons = 1
		if typ != input.DispatchMouseEventTypeMouseMoved {
			e.ClickCount = 1
		}
	}))
}

// screenshot saves what the page shows as docs/screenshots/NAME.png when
// PLENARY_SCREENSHOTS=1 (the committed set is made that way).
func (p *page) screenshot(name string) {
	p.t.Helper()
	if os.Getenv("PLENARY_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *page) checkNoExceptions() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.exceptions {
		p.t.Errorf("%s: uncaught exception: %s", p.name, e)
	}
}

func (p *page) join(joinURL, name, role string) {
	p.t.Helper()
	p.do(chromedp.Navigate(joinURL))
	p.waitText(".join-form label", "Your name")
	p.typeInto("#name", name)
	p.click(fmt.Sprintf(`input[value=%q]`, role))
	p.click(".join-button")
	p.waitText(".who", name)
	p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)
}

func (p *page) addNote(text string) {
	p.t.Helper()
	p.typeInto(".add-text", text)
	p.click(".add-note button[type=submit]")
	// A note the server has not answered yet shows too, with no id.
	p.waitText(".note[data-note] .note-text", text)
}

// TestWorkshop runs the Community of Practice workshop from creation to
// export with a facilitator and two participants, each in their own browser
// context, against the real hub: what one does must show on the others'
// screens.
func TestWorkshop(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	browser := startBrowser(t)
	fac := newPage(t, browser, "facilitator", 1400, 900, false)
	ana := newPage(t, browser, "Ana", 1280, 860, false)
	ben := newPage(t, browser, "Ben", 390, 844, true)

	// Start: the facilitator creates the workshop in the form.
	fac.do(chromedp.Navigate(srv.URL + "/"))
	fac.waitText("#prompt", "underserved communities in Belize")
	fac.do(chromedp.SetValue(chromedp.CSS("#votes"), "2"))
	fac.click(".start-form button[type=submit]")
	fac.waitFor("the links", `document.querySelector('.facilitator-link')`)
	fac.waitFor("the QR code", `document.querySelector('.created svg.qr path').getAttribute('d').length > 100`)
	fac.screenshot("start")
	facilitatorURL := eval[string](fac, `document.querySelector('.facilitator-link').href`)
	joinURL := eval[string](fac, `document.querySelector('.created .join-link').href`)
	code := eval[string](fac, `document.querySelector('.created .code').textContent`)
	if !strings.HasSuffix(joinURL, "/j/"+code) || !strings.Contains(facilitatorURL, "/b/"+code+"#key=") {
		t.Fatalf("join link %q and facilitator link %q do not match the code %q", joinURL, facilitatorURL, code)
	}
	fac.do(chromedp.Navigate(facilitatorURL))
	fac.waitText(".console h2", "Phase")
	fac.waitFor("the console's QR code", `document.querySelector('.console svg.qr path')?.getAttribute('d').length > 100`)

	// A co-facilitator on Safari, which has no requestIdleCallback, gets
	// the console and its QR code all the same.
	safari := newPage(t, browser, "co-facilitator on Safari", 1280, 860, false)
	safari.beforeScripts(`delete window.requestIdleCallback`)
	safari.do(chromedp.Navigate(facilitatorURL))
	safari.waitFor("the console's QR code", `typeof requestIdleCallback === 'undefined' && document.querySelector('.console svg.qr path')?.getAttribute('d').length > 100`)
	safari.checkNoExceptions()
	safari.close()

	// Join: two participants, one from each sector; Ben is on a phone, and
	// opens the board's own link, as pasted in a chat: without a token it
	// shows him the join form, and the socket the page opened for the
	// board at once is closed, not left waiting on the server.
	ana.join(joinURL, "Ana", "civil-servant")
	ben.beforeScripts(socketsKept)
	ben.do(chromedp.Navigate(srv.URL + "/b/" + code))
	ben.waitText(".join-form label", "Your name")
	ben.waitFor("the board's first socket closed", `window.sockets_.length === 1 && window.sockets_[0].readyState === WebSocket.CLOSED`)
	if got := eval[string](ben, `location.pathname`); got != "/j/"+code {
		t.Fatalf("the board's link without a token went to %s, want /j/%s", got, code)
	}
	// A name as long as people give in a room of officials, so his phone's
	// header has to find room for it.
	ben.typeInto("#name", "Ben Castillo, Toledo farmers' cooperative")
	ben.click(`input[value="civil-society"]`)
	ben.screenshot("join-phone")
	ben.click(".join-button")
	ben.waitText(".who", "Ben")
	if open := eval[int](ben, `window.sockets_.filter((s) => s.readyState === WebSocket.OPEN).length`); open != 1 {
		t.Fatalf("Ben's page has %d sockets open, want 1", open)
	}
	fac.waitText(".console .count", "2 of 2 participants online")

	// Groups: one group of two, balanced by role.
	fac.do(chromedp.SetValue(chromedp.CSS("#group-size"), "2"))
	fac.click(".form-groups")
	ana.waitFor("her group's chart", `document.querySelector('.add-note') && document.querySelector('.chart')`)
	ben.waitFor("his group's chart", `document.querySelector('.add-note') && document.querySelector('.chart')`)
	ana.waitText(".chart .members .online", "Ben")

	// Brainstorm: a note by one shows on the others' screens.
	ideas := []string{
		"One shared calendar of mobile clinic and outreach visits per district",
		"A single intake form that every ministry accepts",
		"Monthly joint field visits: one officer and one NGO worker together",
		"Community radio slot where ministries answer listeners' questions",
	}
	ana.addNote(ideas[0])
	ben.waitText(".note .note-text", ideas[0])
	fac.waitText(".note .note-text", ideas[0])
	ben.addNote(ideas[1])
	ana.waitText(".note .note-text", ideas[1])
	ana.addNote(ideas[2])
	ben.addNote(ideas[3])
	for _, idea := range ideas {
		ana.waitText(".note .note-text", idea)
	}

	// Timer: started by the facilitator, counted down on every screen.
	fac.click(".timer-start")
	ben.waitFor("the countdown", `/\d:\d\d/.test(document.querySelector('.timer:not([hidden])')?.textContent ?? '')`)
	ana.screenshot("brainstorm")
	ben.screenshot("brainstorm-phone")
	fac.screenshot("console")

	// Share: every chart, on the plenary screen.
	fac.click(`[data-phase="share"]`)
	ana.waitText(".phase-name", "Share")
	fac.waitText(".phase-name", "Share")
	fac.screenshot("share")

	// Cluster: Ana drags her note onto Ben's; the facilitator's screen shows
	// the note travelling before it is dropped.
	fac.click(`[data-phase="cluster"]`)
	ana.waitFor("the canvas", `document.querySelectorAll('.cluster .note').length === 4`)
	fac.waitFor("the canvas", `document.querySelectorAll('.cluster .note').length === 4`)
	// Each looks through a camera of their own: Ana zooms out, the
	// facilitator in; a drop is exact and a drag live at every zoom.
	for _, z := range []struct {
		p   *page
		key string
	}{{ana, "-"}, {fac, "+"}} {
		z.p.waitFor("the camera", `document.querySelector('.world-viewport.camera')?.dataset.scale`)
		was := eval[string](z.p, `document.querySelector('.world-viewport').dataset.scale`)
		z.p.do(chromedp.Focus(".world-viewport"), chromedp.KeyEvent(z.key))
		z.p.waitFor("the zoom", fmt.Sprintf(`document.querySelector('.world-viewport').dataset.scale !== %s`, js(was)))
	}
	dragged, target := ana.noteID(ideas[0]), ana.noteID(ideas[1])
	draggedSel := fmt.Sprintf(`.note[data-note=%q]`, dragged)
	// Both ends are read on one screen, with nothing scrolled between: the
	// canvas is fitted to the window, and scrolling the page to show one
	// note would move the other.
	ana.do(chromedp.ScrollIntoView(".world-viewport"))
	targetSel := fmt.Sprintf(`.note[data-note=%q]`, target)
	from, to := ana.middle(draggedSel), ana.middle(targetSel)
	before := fac.topLeft(draggedSel)
	ana.mouse(input.DispatchMouseEventTypeMousePressed, from)
	const steps = 8
	for i := 1; i <= steps; i++ {
		ana.mouse(input.DispatchMouseEventTypeMouseMoved, point{from.X + (to.X-from.X)*float64(i)/steps/2, from.Y + (to.Y-from.Y)*float64(i)/steps/2})
		time.Sleep(60 * time.Millisecond) // pace the pointer like a hand, not a wait for a result
	}
	fac.waitFor("the note moving during the drag", fmt.Sprintf(
		`(() => { const r = document.querySelector(%s).getBoundingClientRect(); return Math.hypot(r.left - %f, r.top - %f) > 20 })()`, js(draggedSel), before.X, before.Y))
	// The drop goes where the target is now: the canvas may have been laid
	// out again while the note was carried (a remote change, a refit).
	to = ana.middle(targetSel)
	ana.mouse(input.DispatchMouseEventTypeMouseMoved, to)
	ana.mouse(input.DispatchMouseEventTypeMouseReleased, to)
	for _, p := range []*page{ana, ben, fac} {
		p.waitFor("a theme of the two notes", fmt.Sprintf(`document.querySelectorAll('.theme .note').length === 2 && document.querySelector('.theme .note[data-note=%q]')`, dragged))
	}
	// Ana made the theme, so her screen offers her to name it at once.
	ana.waitFor("the new theme's name field, focused", `document.activeElement?.classList.contains('theme-field')`)
	ana.do(chromedp.SendKeys(".theme-field", "Shared calendar and intake\r"))
	ben.waitText(".theme-name", "Shared calendar and intake")
	// Without a mouse, a note's tools appear once it has focus: its menu
	// offers the theme just named.
	third := fmt.Sprintf(`.cluster .note[data-note=%q]`, ben.noteID(ideas[2]))
	eval[bool](ben, fmt.Sprintf(`(() => { document.querySelector(%s).focus(); return true })()`, js(third)))
	ben.waitFor("the note's menu", fmt.Sprintf(`document.querySelector(%s)`, js(third+" .theme-menu")))
	ben.click(third + " .theme-menu")
	ben.waitFor("the theme in the note's menu", fmt.Sprintf(
		`[...document.querySelectorAll(%s)].some((o) => o.textContent === 'Shared calendar and intake')`, js(third+" [role=menuitem]")))
	ben.do(chromedp.KeyEvent(kb.Escape))
	ben.waitFor("the menu closed, the keyboard on its button", fmt.Sprintf(`document.activeElement === document.querySelector(%s) && !document.querySelector(%s)`, js(third+" .theme-menu"), js(third+" [role=menuitem]")))
	// The room sees the whole canvas again, as the facilitator shows it.
	was := eval[string](fac, `document.querySelector('.world-viewport').dataset.scale`)
	fac.click(".zoom-fit")
	fac.waitFor("the canvas fitted", fmt.Sprintf(`document.querySelector('.world-viewport').dataset.scale !== %s`, js(was)))
	fac.screenshot("cluster")

	// Vote: dots within the budget of two; the tally shows on the plenary.
	fac.click(`[data-phase="vote"]`)
	for _, p := range []*page{ana, ben, fac} {
		p.waitFor("three items to vote on", `document.querySelectorAll('.vote-item').length === 3`)
	}
	theme := eval[string](fac, `document.querySelector('.vote-item').dataset.item`)
	third, fourth := ana.itemID(ideas[2]), ana.itemID(ideas[3])
	item := func(id string) string { return fmt.Sprintf(`.vote-item[data-item=%q]`, id) }
	ana.waitText(".votes-left", "You have 2 dots left")
	ana.click(item(theme) + " .cast")
	fac.waitText(item(theme)+" .tally", "1 dot")
	fac.waitText(".ranking .top-item", "Shared calendar and intake")
	ana.click(item(third) + " .cast")
	ana.waitText(".votes-left", "You have 0 dots left")
	ana.waitFor("no dot to add anywhere", fmt.Sprintf(`document.querySelector(%s).getAttribute('aria-disabled') === 'true'`, js(item(fourth)+" .cast")))

	// A reload keeps who Ana is and her dots.
	ana.do(chromedp.Reload())
	ana.waitText(".who", "Ana")
	ana.waitText(".votes-left", "You have 0 dots left")
	ana.waitFor("her dot on the theme", fmt.Sprintf(`document.querySelector(%s + '.voted')`, js(item(theme))))
	ben.click(item(theme) + " .cast")
	fac.waitText(item(theme)+" .tally", "2 dots: 1 civil servant, 1 civil society")
	fac.screenshot("vote")

	// Spanish: Ben switches his phone to Spanish.
	ben.choose(".lang", "es")
	ben.waitText(".phase-name", "Votar")
	ben.waitText(".votes-left", "Le queda 1 punto")
	ben.waitFor("his name, sector and group whole in the header", `(() => { const w = document.querySelector('.who'); return w.textContent.includes('Sociedad civil') && w.scrollWidth <= w.clientWidth })()`)
	ben.screenshot("vote-es-phone")

	// Discuss: the top items, edited live by everyone.
	fac.click(`[data-phase="discuss"]`)
	ana.waitFor("the top ideas", `document.querySelector('.discussion .field-owner')`)
	ben.waitFor("the top ideas", `document.querySelector('.discussion .field-owner')`)
	owner := fmt.Sprintf(`.discussion[data-item=%q] .field-owner`, theme)
	ana.typeInto(owner, "District council clerk with the women's cooperative")
	ana.typeInto(fmt.Sprintf(`.discussion[data-item=%q] .field-next`, theme), "Draft the calendar by the next meeting")
	ben.waitText(owner, "District council clerk with the women's cooperative")
	fac.waitText(owner, "District council clerk")
	fac.screenshot("discuss")

	// What people take home: Ben's record, in his screen's Spanish.
	ben.click(".discuss .report-button")
	ben.waitText(".report-body", "Qué es posible")
	ben.waitText(".report-body", "District council clerk with the women's cooperative")
	ben.waitFor("the record's decisions first and the flip charts last", `(() => {
		const heads = [...document.querySelectorAll('.report-body h2')].map((e) => e.textContent);
		return heads[0] === 'Ideas principales' && heads.at(-1) === 'Papelógrafos';
	})()`)
	ben.click(".report-actions button:not(.primary)")

	// Export: the facilitator's Markdown button downloads the record.
	body := fac.download(".export-md")
	for _, want := range []string{"Community of Practice Inception Workshop", "Shared calendar and intake", ideas[0], "District council clerk"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("export.md lacks %q:\n%s", want, body)
		}
	}
	fac.click(".report-button")
	fac.waitText(".report-body", "Shared calendar and intake")
	fac.screenshot("report")

	for _, p := range []*page{fac, ana, ben} {
		p.checkNoExceptions()
		p.checkOnlyFrom(srv.URL)
	}
}

// checkOnlyFrom fails the test if the page loaded anything from anywhere
// but the server at base: a workshop on a closed network must work. Nor
// may it ask for /favicon.ico, which the server answers 404: index.html
// draws the icon.
func (p *page) checkOnlyFrom(base string) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		p.t.Fatalf("%s: no requests were seen; the check would prove nothing", p.name)
	}
	wsBase := "ws" + strings.TrimPrefix(base, "http")
	for _, u := range p.requests {
		if strings.HasSuffix(u, "/favicon.ico") {
			p.t.Errorf("%s asked the server for %s", p.name, u)
		}
		if !strings.HasPrefix(u, base) && !strings.HasPrefix(u, wsBase) && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			p.t.Errorf("%s loaded %s, which is not from the server", p.name, u)
		}
	}
}

// socketsKept keeps every websocket the page opens in window.sockets_.
const socketsKept = `(() => {
  const Socket = window.WebSocket;
  window.sockets_ = [];
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      window.sockets_.push(this);
    }
  };
})()`
