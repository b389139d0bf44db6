package hub_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/store/redis/redistest"
)

// TestRedisBackEmpty: Redis restarts without its data while participants
// on two instances write on two boards, and a third instance lags behind
// them (what Redis sends it is held back). The lagging instance reaches
// Redis first, offers its older copy of each board, and its facilitator
// adds a note at once; the two others come back a moment later. Three
// rounds. Every instance and every screen ends with the same boards,
// every note ever acknowledged is on them, and no seq was acknowledged to
// two different notes.
func TestRedisBackEmpty(t *testing.T) {
	srv := redistest.Start(t)
	var proxies []*redistest.Proxy
	var servers []*testServer
	for range 3 {
		p := redistest.NewProxy(t, srv)
		proxies = append(proxies, p)
		servers = append(servers, instance(t, p.URL()))
	}
	ahead, lagging := proxies[:2], proxies[2]

	type workshop struct {
		r       *room
		acked   *acks
		wait    func()
		lagging []*client.Client // screens on the lagging instance
	}
	stop := make(chan struct{})
	var workshops []*workshop
	for range 2 {
		r := newRoom(t, servers[:2], 4)
		w := &workshop{r: r, lagging: []*client.Client{servers[2].facilitator(r.b), servers[2].join(r.b, "Late", board.CivilSociety)}}
		w.acked, w.wait = writeNotes(t, r, stop)
		workshops = append(workshops, w)
	}
	rdb := srv.Client()
	exists := func(key string) bool {
		n, _ := rdb.Exists(context.Background(), key).Result()
		return n == 1
	}

	for round := range 3 {
		lagging.Pause()
		for _, w := range workshops {
			waitAcked(t, w.acked, 20)
		}
		for _, p := range ahead {
			p.Block()
		}
		lagging.Block() // dropping what it held back
		srv.Restart()   // empty
		restarted := time.Now()
		lagging.Open()
		for _, w := range workshops {
			t.Logf("round %d: board %s: the lagging instance's screen is at %d; %d notes acknowledged", round, w.r.b.ID, w.lagging[0].Seq(), w.acked.count())
		}

		answered := make(chan error, len(workshops))
		for i, w := range workshops {
			go func() {
				chart := w.r.groups[w.r.people[0].You]
				answered <- w.acked.addNote(w.lagging[0], chart, fmt.Sprintf("round %d, board %d: from the lagging instance", round, i))
			}()
		}
		// Let the others back in once the lagging instance has offered
		// every board and, while the restore is decided, at once; where
		// a restore is not decided but taken as it comes, once its note
		// is answered.
		got := 0
		if !waitFor(func() bool {
			taken, restoring := 0, false
			for _, w := range workshops {
				tag := "{b:" + w.r.b.ID + "}"
				if exists(tag + ":seq") {
					taken++
				}
				restoring = restoring || exists(tag+":restoring")
			}
			for got < len(workshops) && len(answered) > 0 {
				<-answered
				got++
			}
			return taken == len(workshops) && (restoring || got == len(workshops))
		}) {
			t.Fatal("the lagging instance did not restore the boards")
		}
		back := time.Now()
		for _, p := range ahead {
			p.Open()
		}
		if !waitFor(func() bool {
			for _, w := range workshops {
				if exists("{b:" + w.r.b.ID + "}:restoring") {
					return false
				}
			}
			return true
		}) {
			t.Fatal("the restore was not decided")
		}
		decided := time.Since(restarted)
		if !waitFor(func() bool {
			for _, w := range workshops {
				epoch, _ := rdb.Get(context.Background(), "{b:"+w.r.b.ID+"}:epoch").Result()
				for _, c := range append(w.r.everyone(), w.lagging...) {
					if c.Epoch() != epoch {
						return false
					}
				}
			}
			return true
		}) {
			t.Fatal("the screens were not all sent the restored board")
		}
		t.Logf("round %d: the restore was decided %v after Redis came back, and every screen was on it %v after",
			round, decided.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
		for _, w := range workshops {
			waitAcked(t, w.acked, 10)
		}
		t.Logf("round %d: the writers were acknowledged again %v after the others were let back in", round, time.Since(back).Round(time.Millisecond))
		for ; got < len(workshops); got++ {
			<-answered // within addNote's bound
		}
	}
	close(stop)
	for _, w := range workshops {
		w.wait()
	}
	for _, w := range workshops {
		assertConverged(t, servers[0].log, w.r.b.ID, append(w.r.everyone(), w.lagging...)...)
		assertKept(t, servers[0], w.r.b.ID, w.acked)
		assertSameExports(t, servers, w.r.b)
	}
}

// assertSameExports checks every instance exports the board alike.
func assertSameExports(t *testing.T, servers []*testServer, b created) {
	t.Helper()
	var first []byte
	for i, ts := range servers {
		resp, body := ts.get("/api/boards/"+b.ID+"/export.json", b.facilitatorToken())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("export.json from instance %d: %d %s", i, resp.StatusCode, body)
		}
		if i == 0 {
			first = body
		} else if !bytes.Equal(body, first) {
			t.Errorf("instance %d exports board %s unlike instance 0:\n%s\nwant\n%s", i, b.ID, body, first)
		}
	}
}

// TestResendAfterRedisEmptied: a participant's note is applied just before
// Redis restarts empty and its answer is lost; the web app sends it again
// with the same id once the board is back, on the same connection and on
// another instance. The board given back from the instances' copies
// carries the ops' keys, so every resend is answered with the note's first
// seq and the note is on every screen once.
func TestResendAfterRedisEmptied(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 2)
	r := newRoom(t, servers, 2)
	writer := r.people[0]
	half := 0.5
	text := "sent before Redis emptied, resent after"
	op := board.Op{Kind: board.NoteAdd, Chart: r.groups[writer.You], Text: text, X: &half, Y: &half}
	first := doUntilAnswered(t, writer, "note-1", op)

	srv.Restart() // empty
	again := doUntilAnswered(t, writer, "note-1", op)
	elsewhere, err := settle(t, servers[1], r.b.ID, writer.Token, "note-1", op)
	if err != nil {
		t.Fatalf("the resend to the other instance: %v", err)
	}
	for _, f := range []client.Frame{again, elsewhere} {
		if f.Seq != first.Seq || f.Ref != "note-1" {
			t.Errorf("a resend after Redis emptied was answered seq %d ref %q; want the first answer's seq %d", f.Seq, f.Ref, first.Seq)
		}
	}
	after := replay(t, servers[0].log, r.b.ID)
	if n := countNotes(after, text); n != 1 {
		t.Errorf("the note is on the board %d times, want once", n)
	}
	everyone := r.everyone()
	for _, ts := range servers {
		everyone = append(everyone, ts.dial(client.Hello{Board: r.b.ID, Token: r.fac.Token}))
	}
	assertConverged(t, servers[0].log, r.b.ID, everyone...)
}
