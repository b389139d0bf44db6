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

// BenchmarkResume measures what a participant's page is sent to come
// back after its link dropped for 30 s, on a 200-note board with 20 others
// connected: the payloads of the frames its new socket receives until it
// is up to date (the first presence frame), in bytes:
//
//   - quiet: nothing changed meanwhile;
//   - active: someone moved a note every 2 s meanwhile (15 moves).
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
	var mover string
	for id := range room[0].Replica()["note"] {
		mover = id
		break
	}
	phone, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Join: &client.Join{Name: "Phone", Role: board.CivilServant}}, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	phoneToken := phone.Token
	_ = phone.Close()

	for _, active := range []bool{false, true} {
		name := map[bool]string{false: "quiet", true: "active"}[active]
		b.Run(name, func(b *testing.B) {
			var sizes []float64
			for b.Loop() {
				p := newPage(b, startBrowser(b), "dropping", 390, 844, true)
				p.beforeScripts(socketBytes)
				p.do(chromedp.Navigate(link.url + "/b/" + code + "#key=" + phoneToken))
				p.allNotesAt(notes)
				p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)
				sockets := eval[int](p, `window.sockets_.length`)
				link.cut()
				for i := range 15 {
					time.Sleep(2 * time.Second)
					if active {
						x, y := 0.1+0.05*float64(i), 0.5
						if f, err := room[i].Do(ctx, board.Op{Kind: board.NoteMove, Note: mover, X: &x, Y: &y}); err != nil {
							b.Fatalf("move: %+v, %v", f, err)
						}
					}
				}
				link.mend()
				sizes = append(sizes, p.resumedBytes(sockets))
				p.close()
			}
			b.ReportMetric(median(sizes), "B-resume")
		})
	}
}

// socketBytes counts, on the page, what each of its sockets receives
// (text payloads, in UTF-16 units: the frames are ASCII) until it is up to
// date: its first presence frame with the whole list.
const socketBytes = `(() => {
  window.sockets_ = [];
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      const s = { bytes: 0, synced: false };
      window.sockets_.push(s);
      this.addEventListener('message', (e) => {
        if (s.synced) return;
        s.bytes += e.data.length;
        if (e.data.split('\n').some((line) => line.startsWith('{"t":"presence","online"'))) s.synced = true;
      });
    }
  };
})()`

// resumedBytes waits until a socket the page opened after its first i is
// up to date (the tries while the link was down came to nothing) and
// returns what it received until then.
func (p *page) resumedBytes(i int) float64 {
	p.t.Helper()
	synced := fmt.Sprintf(`window.sockets_.slice(%d).find((s) => s.synced)`, i)
	p.waitWithin("the page to resume", synced, time.Minute)
	return eval[float64](p, synced+`.bytes`)
}
