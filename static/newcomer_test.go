package static_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestJoinOverHTTP: a newcomer joining through the join form joins over
// HTTP and is drawn the board from the snapshot fetched over HTTP: the
// socket says hello with the token, resuming, and sends no snapshot, and
// every note of a sizeable board is drawn once. A refused join stays on
// the join form with its message.
func TestJoinOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	const notes = 200
	srv := startServer(t)
	facilitatorURL := createBoard(t, srv.URL, notes)
	code, token, _ := strings.Cut(strings.TrimPrefix(facilitatorURL, srv.URL+"/b/"), "#key=")
	settings := board.DefaultSettings()
	settings.Passcode = "harbor"
	setSettings(t, srv.URL, code, token, settings)

	p := newPage(t, startBrowser(t), "newcomer", 390, 844, true)
	p.beforeScripts(socketLog)
	p.do(chromedp.Navigate(srv.URL + "/j/" + code))
	p.waitText(".join-form label", "Your name")
	p.waitFor("the passcode field", `!document.querySelector('#passcode').closest('.field').hidden`)
	p.typeInto("#name", "Nia")
	p.click(`input[value="civil-society"]`)
	p.typeInto("#passcode", "harbo")
	p.click(".join-button")
	p.waitText(".join-form .refusal", "The passcode is wrong.")
	if got := eval[string](p, `location.pathname`); got != "/j/"+code {
		t.Fatalf("after a refused join the page is at %s", got)
	}

	p.typeInto("#passcode", "r") // harbor
	p.click(".join-button")
	p.allNotesAt(notes)
	p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)
	if got := eval[string](p, `location.pathname`); got != "/b/"+code {
		t.Errorf("the joined board is at %s, want /b/%s", got, code)
	}
	if !p.asked("/api/boards/"+code+"/join") || !p.asked("/api/boards/"+code+"/snapshot") {
		t.Errorf("the page did not join and fetch the board over HTTP; it asked for %q", p.requests)
	}
	hellos := eval[[]map[string]any](p, `window.hellos_`)
	if len(hellos) != 1 || hellos[0]["join"] != nil || hellos[0]["token"] == nil || hellos[0]["since"] == nil {
		t.Errorf("the page said hello %+v, want once, with a token, resuming", hellos)
	}
	for _, f := range eval[[]struct {
		T string `json:"t"`
	}](p, `window.received_`) {
		if f.T == "snap" {
			t.Errorf("the socket sent the board after the page had it over HTTP")
		}
	}
	if dup := eval[int](p, `(() => { const ids = [...document.querySelectorAll('.cluster .note')].map((n) => n.dataset.note); return ids.length - new Set(ids).size })()`); dup != 0 {
		t.Errorf("%d notes are drawn twice", dup)
	}
	if got := eval[string](p, `document.querySelector('.who').textContent`); !strings.Contains(got, "Nia") {
		t.Errorf("the board names its newcomer %q", got)
	}
	p.checkNoExceptions()
}

// setSettings sets a board's settings with the facilitator's token, over
// a websocket.
func setSettings(t *testing.T, base, code, token string, settings board.Settings) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	fac, err := client.Dial(ctx, base, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	if f, err := fac.Do(ctx, board.Op{Kind: board.BoardSettings, Settings: &settings}); err != nil {
		t.Fatalf("set the settings: %+v, %v", f, err)
	}
}
