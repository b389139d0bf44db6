package static_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/internal/plenarytest"
)

// TestJoiningAnywhere: the links a facilitator shares name the server's
// public URL, not the address they opened, on the start page, the
// console and the presenter view; a link to localhost is flagged; and a
// join code pasted from a chat, with a space, a dash and in lower case,
// finds its workshop.
func TestJoiningAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	const public = "https://plenary.example.org"
	srv := startServer(t, func(c *plenarytest.Config) { c.API.PublicURL = public })
	browser := startBrowser(t)
	fac := newPage(t, browser, "facilitator", 1400, 900, false)
	fac.do(chromedp.Navigate(srv.URL + "/"))
	fac.click(".start-form button[type=submit]")
	fac.waitFor("the links", `document.querySelector('.created .join-link')`)
	code := eval[string](fac, `document.querySelector('.created .code').textContent`)
	if got := eval[string](fac, `document.querySelector('.created .join-link').href`); got != public+"/j/"+code {
		t.Fatalf("the start page's join link is %q, want it on %s", got, public)
	}
	if eval[bool](fac, `document.querySelector('.local-link') !== null`) {
		t.Fatal("a public join link is flagged as reaching no one")
	}
	// The facilitator's own link names the public URL too; here the test
	// opens it on the address it has.
	facilitatorURL := eval[string](fac, `document.querySelector('.facilitator-link').href`)
	fac.do(chromedp.Navigate(srv.URL + strings.TrimPrefix(facilitatorURL, public)))
	fac.waitFor("the console's join link", `document.querySelector('.console .join-link')`)
	if got := eval[string](fac, `document.querySelector('.console .join-link').href`); got != public+"/j/"+code {
		t.Fatalf("the console's join link is %q", got)
	}
	fac.do(chromedp.Navigate(srv.URL + "/p/" + code))
	fac.waitText(".presenter .lobby-link", public+"/j/"+code)

	// Someone pastes the code from a chat.
	ana := newPage(t, browser, "Ana", 390, 844, true)
	ana.do(chromedp.Navigate(srv.URL + "/"))
	ana.typeInto("#code", " "+strings.ToLower(code[:3])+"-"+code[3:]+" ")
	ana.click(".join-code-form button[type=submit]")
	ana.waitText(".join-form label", "Your name")
	if got := eval[string](ana, `location.pathname`); got != "/j/"+code {
		t.Fatalf("the pasted code led to %s, want /j/%s", got, code)
	}
	ana.waitFor("the workshop's title", `document.querySelector('h1').textContent === 'Community of Practice Inception Workshop'`)

	// Without a public URL, a facilitator on this machine's own address
	// is told that the link reaches no one else.
	local := startServer(t)
	fac.do(chromedp.Navigate(strings.Replace(local.URL, "127.0.0.1", "localhost", 1) + "/"))
	fac.click(".start-form button[type=submit]")
	fac.waitFor("the warning", `document.querySelector('.created .local-link')`)
	for _, p := range []*page{fac, ana} {
		p.checkNoExceptions()
	}
}
