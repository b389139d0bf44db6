package static_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// socketLog records, on the page, what the board's sockets say and are
// told: every frame's type and seq as it arrives, and every hello sent.
const socketLog = `(() => {
  window.received_ = [];
  window.hellos_ = [];
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        for (const line of e.data.split('\n')) if (line) { const f = JSON.parse(line); window.received_.push({ t: f.t, seq: f.seq || 0 }) }
      });
    }
    send(data) {
      if (data.startsWith('{"t":"hello"')) window.hellos_.push(JSON.parse(data));
      super.send(data);
    }
  };
})()`

// TestFirstLoadOverHTTP: a board's link draws the board from the snapshot
// fetched over HTTP, and the socket then resumes from its seq: the hello
// names it, the socket sends no snapshot, and a change made after the
// snapshot was cached reaches the page once, with no note drawn twice.
func TestFirstLoadOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	facilitatorURL := createBoard(t, srv.URL, 40)
	code, token, _ := strings.Cut(strings.TrimPrefix(facilitatorURL, srv.URL+"/b/"), "#key=")

	// The room's screen has the board's snapshot cached; a note added
	// now is one entry after it, which the page's socket replays.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	room, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer room.Close()
	cached := room.Seq()
	at := 0.3
	if f, err := room.Do(ctx, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "Added after the snapshot", X: &at, Y: &at}); err != nil {
		t.Fatalf("add a note: %+v, %v", f, err)
	}

	p := newPage(t, startBrowser(t), "first load", 1280, 800, false)
	p.beforeScripts(socketLog)
	p.do(chromedp.Navigate(facilitatorURL))
	p.allNotesAt(41)
	p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)

	if !p.asked("/api/boards/" + code + "/snapshot") {
		t.Errorf("the page did not fetch the board's snapshot over HTTP; it asked for %q", p.requests)
	}
	hellos := eval[[]struct {
		Since uint64 `json:"since"`
		Epoch string `json:"epoch"`
	}](p, `window.hellos_`)
	if len(hellos) != 1 || hellos[0].Since != cached {
		t.Errorf("the page said hello %+v, want once, resuming from the snapshot's seq %d", hellos, cached)
	}
	received := eval[[]struct {
		T   string  `json:"t"`
		Seq float64 `json:"seq"`
	}](p, `window.received_`)
	chgs := 0
	for _, f := range received {
		switch f.T {
		case "snap":
			t.Errorf("the socket sent a snapshot at seq %v after the page had one: %+v", f.Seq, received)
		case "chg":
			chgs++
		}
	}
	if chgs != 1 {
		t.Errorf("the socket sent %d changes, want the one entry after the snapshot: %+v", chgs, received)
	}
	if dup := eval[int](p, `(() => { const ids = [...document.querySelectorAll('.cluster .note')].map((n) => n.dataset.note); return ids.length - new Set(ids).size })()`); dup != 0 {
		t.Errorf("%d notes are drawn twice", dup)
	}
	p.checkNoExceptions()
}

// asked reports whether the page requested a URL with that path.
func (p *page) asked(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.requests {
		if strings.Contains(u, path) {
			return true
		}
	}
	return false
}
