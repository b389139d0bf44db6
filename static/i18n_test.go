package static_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
)

// serverCodes is every code the server refuses with: the string constants
// named Code… in board, hub and protocol, read from their source, so that
// a code added there is checked here without anyone copying it.
func serverCodes(t *testing.T) []string {
	t.Helper()
	var codes []string
	fset := token.NewFileSet()
	for _, dir := range []string{"../board", "../hub", "../protocol"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				gen, ok := decl.(*ast.GenDecl)
				if !ok || gen.Tok != token.CONST {
					continue
				}
				for _, spec := range gen.Specs {
					v := spec.(*ast.ValueSpec)
					for i, id := range v.Names {
						if !strings.HasPrefix(id.Name, "Code") || i >= len(v.Values) {
							continue
						}
						lit, ok := v.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						code, err := strconv.Unquote(lit.Value)
						if err != nil {
							t.Fatal(err)
						}
						codes = append(codes, code)
					}
				}
			}
		}
	}
	for _, known := range []string{board.CodeVoteBudget, board.CodeLocked, "rate_limited", "unknown_outcome"} {
		if !slices.Contains(codes, known) {
			t.Fatalf("reading the codes from the source missed %q (found %q)", known, codes)
		}
	}
	return codes
}

// evalAwait runs a script whose value is a promise and decodes what it
// resolves to.
func evalAwait[T any](p *page, script string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: evaluate %s: %v", p.name, script, err)
	}
	return v
}

// tableProblems lists what is wrong with the message tables: a key missing
// from a language, a singular kept as a key of its own (key.one), an
// empty message, a message whose {placeholders} differ from English's, a
// plural message lacking a form its language's rules give for a count up
// to 1,000, and a message made of placeholders alone (which would match
// any text on a screen).
const tableProblems = `import('/i18n.js').then(({ tables }) => {
  const problems = [];
  const langs = Object.keys(tables);
  const keys = new Set(langs.flatMap((l) => Object.keys(tables[l])));
  const forms = (v) => (typeof v === 'object' ? Object.values(v) : [v]);
  const holes = (v) => [...new Set(forms(v).join(' ').match(/\{\w+\}/g) ?? [])].sort().join();
  for (const key of keys) {
    if (key.endsWith('.one')) problems.push(key + ': a singular is a form of its message ({ one, other }), not a key');
    for (const l of langs) {
      const v = tables[l][key];
      if (v === undefined) { problems.push(key + ': no ' + l); continue; }
      if (forms(v).some((f) => typeof f !== 'string' || !f.trim())) problems.push(key + ': an empty ' + l + ' message');
      if (forms(v).some((f) => !f.replace(/\{\w+\}/g, '').replace(/[\s\p{P}]/gu, ''))) problems.push(key + ': ' + l + ' is placeholders alone');
      if (tables.en[key] !== undefined && holes(v) !== holes(tables.en[key])) problems.push(key + ': ' + l + ' fills ' + holes(v) + ', English ' + holes(tables.en[key]));
      if (typeof v === 'object') {
        const rules = new Intl.PluralRules(l);
        for (let n = 0; n <= 1000; n++) {
          if (!v[rules.select(n)]) { problems.push(key + ': ' + l + ' has no ' + rules.select(n) + ' form (for ' + n + ')'); break; }
        }
      }
    }
  }
  return problems;
})`

// TestTranslationsComplete checks the message tables of static/i18n.js in
// the browser: both languages have every key, with the same placeholders
// and every plural form, and every code the server refuses with has its
// message in both.
func TestTranslationsComplete(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	p := newPage(t, startBrowser(t), "reader", 1280, 800, false)
	p.do(chromedp.Navigate(srv.URL + "/"))
	p.waitFor("the start page", `document.querySelector('.start-form')`)
	for _, problem := range evalAwait[[]string](p, tableProblems) {
		t.Error(problem)
	}
	codes := serverCodes(t)
	missing := evalAwait[[]string](p, fmt.Sprintf(`import('/i18n.js').then(({ tables }) =>
	  %s.flatMap((code) => Object.keys(tables).filter((l) => !tables[l]['error.' + code]).map((l) => code + ' in ' + l)))`, string(mustJSON(t, codes))))
	for _, m := range missing {
		t.Errorf("the server's refusal %s has no message", m)
	}
	t.Logf("%d server codes checked", len(codes))
}

// untranslated lists every string a person can see or hear on the page
// that is neither a Spanish message of the tables (placeholders matching
// any text), nor content from the board (given as content), nor free of
// words (numbers, punctuation, symbols): text nodes that are drawn,
// screen-reader-only text included, the options of every select shown,
// the values of text fields, and the aria-label, placeholder and title of
// elements shown. A text joined with " · " is checked part by part.
const untranslated = `(async (content) => {
  const { tables, languages } = await import('/i18n.js');
  const norm = (s) => s.replace(/\s+/g, ' ').trim();
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const values = Object.values(tables.es).flatMap((v) => (typeof v === 'object' ? Object.values(v) : [v])).concat(Object.values(languages));
  const patterns = values.map((v) => new RegExp('^' + norm(v).split(/\{\w+\}/).map(esc).join('.+') + '$', 's'));
  const known = new Set(content.map(norm));
  const wordless = /^[\d\s\p{P}\p{S}]*$/u;
  const ok = (s) => wordless.test(s) || known.has(s) || patterns.some((p) => p.test(s));
  const bad = new Set();
  const check = (raw, where) => {
    const s = norm(raw);
    if (!s || ok(s) || s.split(' · ').every((part) => ok(norm(part)))) return;
    bad.add(where + ': ' + s);
  };
  const shown = (el) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const el = n.parentElement;
    if (!el || el.closest('select, script, style') || !shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    if (range.getClientRects().length) check(n.data, el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
  }
  for (const el of document.querySelectorAll('select')) if (shown(el)) for (const o of el.options) check(o.text, 'option');
  for (const el of document.querySelectorAll('input:not([type]), input[type=text], textarea')) if (shown(el)) check(el.value, 'field');
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    if (!shown(el)) continue;
    for (const a of ['aria-label', 'placeholder', 'title']) if (el.hasAttribute(a)) check(el.getAttribute(a), a);
  }
  return [...bad];
})`

// boardContent is every text people put on the board, as the facilitator's
// export.json holds it, and the board's code and join link: what a screen
// shows as it is, in whatever language it was written.
func (r *room) boardContent() []string {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.base+"/api/boards/"+r.code+"/export.json", nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.fac.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	var x board.Export
	if err := json.NewDecoder(res.Body).Decode(&x); err != nil {
		r.t.Fatal(err)
	}
	out := []string{x.Title, x.Prompt, r.code, r.joinURL}
	for _, g := range x.Groups {
		out = append(out, g.Name)
	}
	for _, p := range x.Participants {
		out = append(out, p.Name)
	}
	for _, n := range x.Notes {
		out = append(out, n.Text)
	}
	for _, th := range x.Themes {
		out = append(out, th.Name)
	}
	for _, d := range x.Discussions {
		out = append(out, d.Possible, d.How, d.Owner, d.Next)
	}
	return out
}

// spanishOnly fails the test for every string on p (see untranslated)
// that is not Spanish or the board's content.
func (p *page) spanishOnly(screen string, r *room) {
	p.t.Helper()
	content, _ := json.Marshal(r.boardContent()) // strings: cannot fail
	bad := evalAwait[[]string](p, fmt.Sprintf(`%s(%s)`, untranslated, content))
	for _, s := range bad {
		p.t.Errorf("%s, %s: not from the Spanish table: %q", p.name, screen, s)
	}
}

// spanish is a new page whose person has chosen Spanish.
func spanish(t *testing.T, browser context.Context, name string, width, height int64, mobile bool) *page {
	p := newPage(t, browser, name, width, height, mobile)
	p.beforeScripts(`localStorage.setItem('plenary:lang', 'es')`)
	return p
}

// esText is the Spanish message of key, with no placeholders.
func esText(p *page, key string) string {
	p.t.Helper()
	return evalAwait[string](p, fmt.Sprintf(`import('/i18n.js').then(({ tables }) => tables.es[%s])`, js(key)))
}

// TestSpanishEverywhere walks the scenario's workshop, from the start page
// to the printable report, with every screen in Spanish (the facilitator's,
// a participant's phone, the presenter view), and fails for any string
// shown that is not from the Spanish table or from the board's own content.
// The board's language is set to Spanish in the console, so the groups'
// names are Spanish too, and so are the downloads.
func TestSpanishEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	r := newRoom(t, srv.URL, 12)
	// A note with what Markdown would read as markup: the report must
	// show it exactly as written.
	marked := `Radio <b>&amp;</b> | \ *slots* #1`
	var mine struct {
		Group string `json:"group"`
	}
	r.people[0].Get("participant", r.people[0].You, &mine)
	r.do(r.people[0], board.Op{Kind: board.NoteAdd, Chart: mine.Group, Text: marked})
	browser := startBrowser(t)

	visitor := spanish(t, browser, "visitor", 1280, 800, false)
	visitor.do(chromedp.Navigate(srv.URL + "/"))
	visitor.waitFor("the start page", `document.querySelector('.start-form')`)
	visitor.spanishOnly("start page", r)
	visitor.do(chromedp.Navigate(r.joinURL))
	visitor.waitText(".join-form label", esText(visitor, "join.name"))
	visitor.waitText("h1", r.boardContent()[0])
	visitor.spanishOnly("join page", r)

	fac := spanish(t, browser, "facilitator", 1400, 900, false)
	fac.do(chromedp.Navigate(r.facilitatorURL))
	fac.waitFor("the console", `document.querySelector('#board-language')`)
	fac.choose("#board-language", "es")
	fac.waitText(".console .group-list h3", "Grupo 1")
	fac.click(".form-groups")
	fac.waitText(".refusal", esText(fac, "error.groups_in_use"))
	ana := spanish(t, browser, "participant's phone", 390, 844, true)
	ana.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + r.people[0].Token))
	presenter := spanish(t, browser, "presenter view", 1920, 1080, false)
	presenter.do(chromedp.Navigate(strings.Replace(r.facilitatorURL, "/b/", "/p/", 1)))
	ana.waitText(".chart-name", "Grupo")
	presenter.waitText(".presenter-phase", esText(presenter, "phase.brainstorm"))
	presenter.waitText(".presenter", "Grupo 1")
	for _, p := range []*page{fac, ana, presenter} {
		p.spanishOnly("brainstorm", r)
	}

	themes := func() []string {
		var ids []string
		for id := range r.fac.Replica()["theme"] {
			ids = append(ids, id)
		}
		return sortedByNumber(ids)
	}
	for _, step := range []struct {
		phase board.Phase
		ready string // a script true once the phase's screen is drawn
	}{
		{board.Share, `document.querySelector('.chart .note')`},
		{board.Cluster, `document.querySelector('section.theme') && (!document.querySelector('.world.camera') || document.querySelector('.world.camera.placed'))`},
		{board.Vote, `document.querySelector('.vote-item .tally, .presenter-vote .top-item')`},
		{board.Discuss, `document.querySelector('.discussion .field-owner, .presenter-discuss .agreed-rank')`},
	} {
		r.phase(step.phase)
		switch step.phase {
		case board.Cluster:
			r.cluster(3, 2)
			r.do(r.fac, board.Op{Kind: board.ThemeCreate, Notes: []string{}})
		case board.Vote:
			for i, id := range themes()[:3] {
				r.do(r.people[i], board.Op{Kind: board.VoteCast, Item: id})
				r.do(r.people[i+3], board.Op{Kind: board.VoteCast, Item: themes()[0]})
			}
		case board.Discuss:
			r.do(r.people[0], board.Op{Kind: board.DiscussSet, Item: themes()[0], Field: "owner", Text: "District council clerk"})
		}
		for _, p := range []*page{fac, ana, presenter} {
			sel := ".phase-name"
			if p == presenter {
				sel = ".presenter-phase"
			}
			p.waitText(sel, esText(p, "phase."+string(step.phase)))
			p.waitFor(string(step.phase)+" drawn", step.ready)
			p.spanishOnly(string(step.phase), r)
		}
	}

	// The printable report: drawn from the board, in Spanish, with the
	// note that looks like Markdown shown as written.
	fac.click(".report-button")
	fac.waitText(".report-body h2", esText(fac, "report.topIdeas"))
	fac.spanishOnly("printable report", r)
	if !eval[bool](fac, fmt.Sprintf(`[...document.querySelectorAll('.report-body li')].some((li) => li.firstChild.data === %s)`, js(marked))) {
		t.Errorf("the report does not show %q as written: %s", marked, eval[string](fac, `document.querySelector('.report-body').innerText`))
	}
	fac.click(".report-actions button:not(.primary)")

	// The downloads: in the board's language, the token in no address.
	csvFile := fac.download(".export-csv")
	if !bytes.HasPrefix(csvFile, []byte("\xEF\xBB\xBFpapelógrafo,grupo,rol_autor,texto,tema,votos\r\n")) || !bytes.Contains(csvFile, []byte("Grupo 1")) {
		t.Errorf("the CSV download is not the Spanish CSV with a byte-order mark:\n%q", csvFile[:min(len(csvFile), 200)])
	}
	if md := fac.download(".export-md"); !bytes.Contains(md, []byte("## Papelógrafos")) || !bytes.Contains(md, []byte("Responsable:** District council clerk")) {
		t.Errorf("the Markdown download is not the Spanish report:\n%s", md)
	}
	fac.mu.Lock()
	for _, u := range fac.requests {
		if strings.Contains(u, "token=") || strings.Contains(u, r.fac.Token) || strings.Contains(u, url.QueryEscape(r.fac.Token)) {
			t.Errorf("the facilitator's page asked for %s, an address with the token", u)
		}
	}
	fac.mu.Unlock()

	// The check itself: the same screens in English are all flagged.
	english := newPage(t, browser, "reader in English", 1280, 800, false)
	english.beforeScripts(`localStorage.setItem('plenary:lang', 'en')`)
	english.do(chromedp.Navigate(r.joinURL))
	english.waitText(".join-form label", "Your name")
	if bad := evalAwait[[]string](english, fmt.Sprintf(`%s(%s)`, untranslated, string(mustJSON(t, r.boardContent())))); len(bad) < 4 {
		t.Errorf("the join page in English has only %q not from the Spanish table: the check would miss English", bad)
	}

	for _, p := range []*page{visitor, fac, ana, presenter} {
		p.checkNoExceptions()
	}
}

// download clicks selector, which saves a file, and returns what was saved.
func (p *page) download(selector string) []byte {
	p.t.Helper()
	dir := p.t.TempDir()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	p.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		info, err := chromedp.Call(ctx, target.GetTargetInfo, target.GetTargetInfoParams{})
		if err != nil {
			return err
		}
		events := true
		_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName,
			BrowserContextID: info.TargetInfo.BrowserContextID,
			DownloadPath:     dir,
			EventsEnabled:    &events,
		})
		return err
	}), chromedp.Click(chromedp.CSS(selector)))
	for ev, err := range progress {
		if err != nil {
			p.t.Fatalf("%s: waiting for the download of %s: %v", p.name, selector, err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			p.t.Fatalf("%s: the download of %s was cancelled", p.name, selector)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				p.t.Fatal(err)
			}
			return b
		}
	}
	p.t.Fatalf("%s: no download of %s", p.name, selector)
	return nil
}

// TestLanguageSwitchKeepsDrafts switches the language while something is
// half typed on the start page, the join page, a flip chart and a
// discussion: the screen is drawn again in the other language with every
// draft and the focus where they were, while what the person did not
// touch (the start page's example workshop) follows the language.
func TestLanguageSwitchKeepsDrafts(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	r := newRoom(t, srv.URL, 4)
	browser := startBrowser(t)
	p := newPage(t, browser, "person", 1280, 860, false)
	p.beforeScripts(`localStorage.setItem('plenary:lang', 'en')`)
	value := func(selector string) string {
		return eval[string](p, fmt.Sprintf(`document.querySelector(%s).value`, js(selector)))
	}
	// switchTo picks lang in the picker without taking the focus from the
	// field, as a person on a keyboard shortcut or screen reader may, and
	// waits for the screen drawn in it.
	switchTo := func(lang, selector, text string) {
		p.t.Helper()
		p.choose(".lang", lang)
		p.waitText(selector, text)
	}
	// focused checks the focus is on selector, with the caret at caret
	// (-1: a field without one).
	focused := func(selector string, caret int) {
		t.Helper()
		got := eval[struct {
			Match bool
			Caret int
		}](p, fmt.Sprintf(`({ Match: document.activeElement.matches(%s), Caret: document.activeElement.selectionStart })`, js(selector)))
		if !got.Match || caret >= 0 && got.Caret != caret {
			t.Errorf("after the switch the focus is on %s with the caret at %d, want %s at %d", eval[string](p, `document.activeElement.outerHTML.slice(0, 80)`), got.Caret, selector, caret)
		}
	}

	p.do(chromedp.Navigate(srv.URL + "/"))
	p.waitFor("the start page", `document.querySelector('.start-form')`)
	eval[bool](p, `(() => { document.querySelector('#title').value = ''; return true })()`)
	p.typeInto("#title", "Mesa de salud")
	p.click("#anonymous")
	p.typeInto("#votes", "5")
	switchTo("es", ".start-form h2", "Taller nuevo")
	if got := value("#title"); got != "Mesa de salud" {
		t.Errorf("the title typed on the start page is %q after the switch", got)
	}
	if got := value("#votes"); got != "35" {
		t.Errorf("the votes typed on the start page are %q after the switch", got)
	}
	if !eval[bool](p, `document.querySelector('#anonymous').checked`) {
		t.Error("the ticked box on the start page is unticked after the switch")
	}
	if got, want := value("#prompt"), esText(p, "start.defaultPrompt"); got != want {
		t.Errorf("the untouched example question is %q after the switch, want Spanish %q", got, want)
	}
	focused("#votes", -1)

	p.do(chromedp.Navigate(r.joinURL))
	p.waitFor("the join form", `document.querySelector('.join-form')`)
	p.typeInto("#name", "Zoe")
	p.click(`input[value="civil-society"]`)
	switchTo("en", ".join-form label", "Your name")
	if got := value("#name"); got != "Zoe" || !eval[bool](p, `document.querySelector('input[value="civil-society"]').checked`) {
		t.Errorf("the join form has name %q and its role lost after the switch", got)
	}

	p.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + r.people[0].Token))
	p.waitFor("the flip chart", `document.querySelector('.add-text')`)
	p.typeInto(".add-text", "Half-typed idea")
	switchTo("es", ".phase-name", "Lluvia de ideas")
	if got := value(".add-text"); got != "Half-typed idea" {
		t.Errorf("the half-typed note is %q after the switch", got)
	}
	focused(".add-text", len("Half-typed idea"))

	r.phase(board.Cluster)
	r.cluster(1, 2)
	r.phase(board.Vote)
	var theme string
	for id := range r.fac.Replica()["theme"] {
		theme = id
	}
	r.do(r.people[1], board.Op{Kind: board.VoteCast, Item: theme})
	r.phase(board.Discuss)
	owner := fmt.Sprintf(`.discussion[data-item=%q] .field-owner`, theme)
	p.waitFor("the discussion", fmt.Sprintf(`document.querySelector(%s)`, js(owner)))
	p.typeInto(owner, "Ana")
	switchTo("en", ".phase-name", "Discuss")
	if got := value(owner); got != "Ana" {
		t.Errorf("the discussion field typed in is %q after the switch", got)
	}
	focused(owner, len("Ana"))
	p.checkNoExceptions()
}
