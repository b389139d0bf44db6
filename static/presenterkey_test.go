package static_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// TestPresenterKey: the facilitator's console links the presenter view
// with a presenter key and copies that link; opened on another machine (a
// fresh browser, which holds no one's token) it shows the presenter view,
// at the projector's 1920x1080, following the phase the facilitator sets
// in the console, and opens it again from /p/CODE after; opened on the
// facilitator's own laptop it leaves the facilitator who they are.
func TestPresenterKey(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	r := newRoom(t, srv.URL, 6)
	_, facToken, _ := strings.Cut(r.facilitatorURL, "#key=")
	b := startBrowser(t)
	tokenKey, presenterKey := "plenary:token:"+r.code, "plenary:presenter:"+r.code
	stored := func(p *page, key string) string {
		return eval[string](p, `localStorage.getItem(`+js(key)+`) ?? ''`)
	}

	fac := newPage(t, b, "the facilitator's laptop", 1366, 768, false)
	fac.do(chromedp.Navigate(r.facilitatorURL))
	keyed := js(srv.URL + "/p/" + r.code + "#key=")
	fac.waitFor("the console's presenter link with a key", `document.querySelector('.console .presenter-link')?.href.startsWith(`+keyed+`)`)
	link := eval[string](fac, `document.querySelector('.console .presenter-link').href`)
	if _, key, _ := strings.Cut(link, "#key="); key == "" || key == facToken {
		t.Fatalf("the console's presenter link is %s: want a presenter key, not the facilitator's", link)
	}

	// Copy link puts that link on the clipboard, and says so.
	fac.do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "clipboard-read"}, Setting: browser.PermissionSettingGranted,
			Origin: srv.URL, BrowserContextID: chromedp.FromContext(fac.ctx).BrowserContextID})
		return chromedp.Void{}, err
	})
	fac.click(".console .copy-presenter-link")
	fac.waitText(".console .copied", "Link copied")
	got, err := chromedp.Run(fac.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil || got != link {
		t.Errorf("Copy link copied %q (%v), want %q", got, err, link)
	}

	// The projector's computer: a fresh browser.
	room := newPage(t, b, "the room's PC 1920x1080", 1920, 1080, false)
	room.do(chromedp.Navigate(link))
	room.waitFor("the presenter view", `document.querySelector('.presenter .presenter-stage')`)
	room.waitText(".presenter-phase", "Brainstorm")
	if loc := eval[string](room, `location.pathname + location.hash`); loc != "/p/"+r.code {
		t.Errorf("the room's PC shows %s in the address bar, want the key off it", loc)
	}
	if got := stored(room, tokenKey); got != "" {
		t.Errorf("the room's PC holds a participant's token %q: the presenter key made it someone", got)
	}
	if !strings.HasSuffix(link, "#key="+stored(room, presenterKey)) {
		t.Errorf("the room's PC keeps the presenter key as %q", stored(room, presenterKey))
	}

	// It follows the phase the facilitator sets in the console.
	fac.press(`.console .phase-button[data-phase="share"]`)
	room.waitText(".presenter-phase", "Share")
	fac.press(`.console .phase-button[data-phase="cluster"]`)
	room.waitText(".presenter-phase", "Cluster")
	room.checkBoard()
	room.axe("the presenter view on a presenter key")

	// A reload with no key in the address opens it again, on the key kept.
	room.do(chromedp.Navigate(srv.URL + "/p/" + r.code))
	room.waitText(".presenter-phase", "Cluster")
	room.checkNoExceptions()

	// The facilitator's laptop opens the link too: it is still the
	// facilitator on the board after.
	fac.do(chromedp.Navigate(link))
	fac.waitText(".presenter-phase", "Cluster")
	if got := stored(fac, tokenKey); got != facToken {
		t.Fatalf("after opening the presenter link the facilitator's laptop holds token %q, want the facilitator's", got)
	}
	fac.do(chromedp.Navigate(srv.URL + "/b/" + r.code))
	fac.waitFor("the facilitator's console", `document.querySelector('.console .phase-button')`)
	fac.checkNoExceptions()
}
