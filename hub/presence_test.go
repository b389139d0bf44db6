package hub_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestPresenceCostsLittle: one participant reconnecting every 100 ms costs
// each other participant under 1 KB/s of presence, on a board where the
// whole online list is several times that, and everyone still ends up
// with the right list.
func TestPresenceCostsLittle(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Churn", "")
	fac := ts.facilitator(b)
	const people = 80
	for i := range people {
		ts.join(b, fmt.Sprintf("Person %d", i), board.CivilServant)
	}
	var mu sync.Mutex
	var presenceBytes int
	watcher := ts.dialWith(client.Hello{Board: b.ID, Join: &client.Join{Name: "Watcher", Role: board.CivilSociety}}, client.Options{
		OnFrame: func(f client.Frame, _ time.Time) {
			if f.T == "presence" {
				mu.Lock()
				presenceBytes += len(f.Raw)
				mu.Unlock()
			}
		},
	})
	churner := ts.join(b, "Churner", board.CivilSociety)
	online := people + 3 // the facilitator, the watcher and the churner
	waitOnline(t, watcher, online)

	mu.Lock()
	before, start := presenceBytes, time.Now()
	mu.Unlock()
	token := churner.Token
	for range 30 {
		seq := churner.Seq()
		_ = churner.Close()
		// The pace of the churn, not a wait for the server.
		time.Sleep(100 * time.Millisecond)
		churner = ts.dial(client.Hello{Board: b.ID, Token: token, Since: seq})
	}
	waitOnline(t, watcher, online)
	waitOnline(t, fac, online)
	mu.Lock()
	spent, took := presenceBytes-before, time.Since(start)
	mu.Unlock()
	rate := float64(spent) / took.Seconds()
	t.Logf("the churn cost the watcher %d bytes of presence in %v: %.0f B/s", spent, took.Round(time.Millisecond), rate)
	if rate >= 1024 {
		t.Error("want under 1 KB/s")
	}
}

// waitOnline waits until c's presence list holds n participants.
func waitOnline(t *testing.T, c *client.Client, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(c.Online()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%s sees %d online, want %d", c.You, len(c.Online()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
