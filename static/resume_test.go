package static_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestResumeOverHTTP: a page whose link dropped while the room went on
// comes back by the snapshot endpoint, asked with its seq and epoch: it
// draws every change made meanwhile once, and its socket's hello resumes
// from after them, so the socket sends none of them again.
func TestResumeOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	link := newLink(t, srv.Listener.Addr().String())
	facilitatorURL := createBoard(t, link.url, 20)
	code, token, _ := strings.Cut(strings.TrimPrefix(facilitatorURL, link.url+"/b/"), "#key=")
	p := newPage(t, startBrowser(t), "in a tunnel", 1280, 800, false)
	p.beforeScripts(socketLog)
	p.do(chromedp.Navigate(facilitatorURL))
	p.allNotesAt(20)
	p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)

	link.cut()
	p.waitFor("the page to say the link dropped", `document.querySelector('.conn').dataset.state === 'reconnecting'`)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	room, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer room.Close()
	for i, id := range []string{"n1", "n2", "n3"} {
		x, y := 0.1*float64(i+1), 0.9
		if f, err := room.Do(ctx, board.Op{Kind: board.NoteMove, Note: id, X: &x, Y: &y}); err != nil {
			t.Fatalf("move %s: %+v, %v", id, f, err)
		}
	}
	at := 0.5
	if f, err := room.Do(ctx, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "Added in the tunnel", X: &at, Y: &at}); err != nil {
		t.Fatalf("add a note: %+v, %v", f, err)
	}
	last := room.Seq()
	hellos := eval[int](p, `window.hellos_.length`)
	received := eval[int](p, `window.received_.length`)

	link.mend()
	p.waitFor("connected again", `document.querySelector('.conn').dataset.state === 'connected'`)
	p.allNotesAt(21)
	if !p.asked(fmt.Sprintf("/api/boards/%s/snapshot?since=", code)) {
		t.Errorf("the page did not ask for what it missed over HTTP; it asked for %q", p.requests)
	}
	resumed := eval[[]struct {
		Since uint64 `json:"since"`
		Epoch string `json:"epoch"`
	}](p, fmt.Sprintf(`window.hellos_.slice(%d)`, hellos))
	if len(resumed) == 0 || resumed[len(resumed)-1].Since != last {
		t.Errorf("the page said hello %+v after the link came back, want since %d, the last change's", resumed, last)
	}
	after := eval[[]struct {
		T   string  `json:"t"`
		Seq float64 `json:"seq"`
	}](p, fmt.Sprintf(`window.received_.slice(%d)`, received))
	for _, f := range after {
		if f.T == "snap" || f.T == "chg" {
			t.Errorf("the socket sent a %s at seq %v after the page resumed over HTTP: %+v", f.T, f.Seq, after)
		}
	}
	if n := eval[int](p, `[...document.querySelectorAll('.cluster .note')].filter((n) => n.textContent.includes('Added in the tunnel')).length`); n != 1 {
		t.Errorf("the note added meanwhile is drawn %d times, want once", n)
	}
	if dup := eval[int](p, `(() => { const ids = [...document.querySelectorAll('.cluster .note')].map((n) => n.dataset.note); return ids.length - new Set(ids).size })()`); dup != 0 {
		t.Errorf("%d notes are drawn twice", dup)
	}
	p.checkNoExceptions()
}

// BenchmarkResume measures what a participant's page is sent to come
// back after its link dropped for 30 s, on a 200-note board with 20 others
// connected, in bytes on the wire: the snapshot endpoint's responses as
// they crossed it and the payloads of its sockets' frames, until its new
// socket is up to date (the first presence frame):
//
//   - quiet: nothing changed meanwhile;
//   - 15moves: someone moved a note every 2 s meanwhile;
//   - 90moves: a room clustering, the 20 moving 90 notes in all.
//
// Run it with `go test -run '^$' -bench Resume -benchtime 1x ./static`.
func BenchmarkResume(b *testing.B) {
	const notes = 200
	srv := startServer(b)
	link := newLink(b, srv.Listener.Addr().String())
	facilitatorURL := createBoard(b, srv.URL, notes)
	code, _, _ := strings.Cut(strings.TrimPrefix(facilitatorURL, srv.URL+"/b/"), "#key=")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var room []*client.Client
	for i := range 20 {
		c, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Join: &client.Join{Name: fmt.Sprintf("P%d", i), Role: board.CivilSociety}}, client.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		room = append(room, c)
	}
	var ids []string
	for id := range room[0].Replica()["note"] {
		ids = append(ids, id)
	}
	phone, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Join: &client.Join{Name: "Phone", Role: board.CivilServant}}, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	phoneToken := phone.Token
	_ = phone.Close()

	for _, tc := range []struct {
		name  string
		moves int // in 15 steps 2 s apart
	}{{"quiet", 0}, {"15moves", 15}, {"90moves", 90}} {
		b.Run(tc.name, func(b *testing.B) {
			var sizes []float64
			for b.Loop() {
				moved := 0
				p := newPage(b, startBrowser(b), "dropping", 390, 844, true)
				p.beforeScripts(socketSynced)
				p.do(chromedp.Navigate(link.url + "/b/" + code + "#key=" + phoneToken))
				p.allNotesAt(notes)
				p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)
				sockets := eval[int](p, `window.sockets_.length`)
				link.cut()
				wire := p.countBoardBytes()
				for step := range 15 {
					time.Sleep(2 * time.Second)
					for ; moved*15 < tc.moves*(step+1); moved++ {
						x, y := 0.1+0.8*float64(moved%7)/7, 0.1+0.8*float64(moved%5)/5
						op := board.Op{Kind: board.NoteMove, Note: ids[moved%len(ids)], X: &x, Y: &y}
						if f, err := room[moved%len(room)].Do(ctx, op); err != nil {
							b.Fatalf("move: %+v, %v", f, err)
						}
					}
				}
				link.mend()
				p.resumed(sockets)
				sizes = append(sizes, wire.kB()*1000)
				p.close()
			}
			b.ReportMetric(median(sizes), "B-resume")
		})
	}
}

// socketSynced marks, on the page, each of its sockets once it is up to
// date: its first presence frame with the whole list.
const socketSynced = `(() => {
  window.sockets_ = [];
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      const s = { synced: false };
      window.sockets_.push(s);
      this.addEventListener('message', (e) => {
        if (e.data.split('\n').some((line) => line.startsWith('{"t":"presence","online"'))) s.synced = true;
      });
    }
  };
})()`

// resumed waits until a socket the page opened after its first i is up
// to date (the tries while the link was down came to nothing).
func (p *page) resumed(i int) {
	p.t.Helper()
	p.waitWithin("the page to resume", fmt.Sprintf(`window.sockets_.slice(%d).some((s) => s.synced)`, i), time.Minute)
}
