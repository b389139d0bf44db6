package static_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestLateScreenIsNotShown: the start and join screens load when they are
// shown, so a screen's module can arrive after the person has moved on,
// say when a participant opens the start page on a weak link and follows
// a join link before it has loaded. The screen they moved to must stay;
// the late one must not replace it.
func TestLateScreenIsNotShown(t *testing.T) {
	srv := startServer(t)
	body, _ := json.Marshal(map[string]string{"title": "Inception", "prompt": "What could we do together?"})
	resp, err := http.Post(srv.URL+"/api/boards", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		JoinCode string `json:"joinCode"`
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a board: %s, %v", resp.Status, err)
	}

	browser := startBrowser(t)
	p := newPage(t, browser, "late", 1000, 800, false)
	// Only the start screen's module is slow to come.
	p.emulateNetwork(&network.Conditions{URLPattern: srv.URL + "/render_start.js", Latency: 1500, DownloadThroughput: -1, UploadThroughput: -1})
	p.do(chromedp.Navigate(srv.URL + "/"))
	// Before the start screen has come, the person follows the join link
	// (as app.js routes it: the address changes, then popstate).
	if eval[bool](p, `document.querySelector('.start-form') !== null`) {
		t.Fatal("the start screen came before the test could move on: its module was not held back")
	}
	eval[bool](p, `(history.pushState(null, '', '/j/`+created.JoinCode+`'), dispatchEvent(new PopStateEvent('popstate')), true)`)
	p.waitFor("the join form", `document.querySelector('.join-form') !== null`)
	// Now let the start screen's module arrive and run.
	p.waitFor("the start screen's module", `performance.getEntriesByName(location.origin + '/render_start.js').some((e) => e.responseEnd > 0)`)
	time.Sleep(200 * time.Millisecond)
	if eval[bool](p, `document.querySelector('.start-form') !== null`) {
		t.Fatal("the start screen, loaded late, replaced the join screen the person had moved to")
	}
	if !eval[bool](p, `document.querySelector('.join-form') !== null`) {
		t.Fatal("the join screen is gone")
	}
	p.checkNoExceptions()
}
