package workshop

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
)

// TestReconnect drops a screen's socket against a real server while the
// board moves on and an op of the screen's waits to be sent: the screen
// must come back with its token and the last seq it applied (so the
// server sends what it missed, not a snapshot), send the op again with its
// id, and end holding the same board as a screen that never dropped, with
// the op applied once.
func TestReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := plenarytest.Start(t).URL
	m := measure.NewMeter()
	w, err := Create(ctx, http.DefaultClient, url, "Reconnect", m, RingFor(1))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, screenClient(), url, w, client.Hello{Board: w.ID, Token: w.Token}, MaxWindow)
	if err != nil {
		t.Fatal(err)
	}
	w.Facilitator = c
	defer c.Close()
	watcher, err := client.Dial(ctx, url, client.Hello{Board: w.ID, Token: w.Token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()

	// Acknowledged before the drop.
	if !c.Take(ctx) || c.Send(&board.Op{Kind: board.TimerStart, Seconds: 60}) != nil {
		t.Fatal("could not send the first op")
	}
	waitAnswered(ctx, t, c)
	before := c.lastSeq.Load()

	// The socket drops as a lost link does, and the next op is written to
	// the dead socket before the reconnect can replace it: it waits in
	// flight. timer.add is not idempotent, so applied twice it would show.
	if !c.Take(ctx) {
		t.Fatal("no room for the second op")
	}
	c.mu.Lock()
	c.cl.Drop()
	err = c.sendLocked(&board.Op{Kind: board.TimerAdd, Seconds: 30})
	c.mu.Unlock()
	if err != nil {
		t.Fatalf("an op sent while the socket is down should wait for the reconnect: %v", err)
	}
	// Meanwhile the board moves on.
	for range 3 {
		if _, err := watcher.Do(ctx, board.Op{Kind: board.TimerStart, Seconds: 120}); err != nil {
			t.Fatal(err)
		}
	}

	select {
	case <-c.resynced:
	case <-c.Done():
		t.Fatalf("the screen ended instead of reconnecting: %v", c.Err())
	case <-ctx.Done():
		t.Fatal("the screen did not come back in sync")
	}
	waitAnswered(ctx, t, c)
	// 1 applied before the drop, 3 by the watcher, and the resent op once.
	want := before + 4
	if err := watcher.WaitSeq(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got := watcher.Seq(); got != want {
		t.Errorf("the board is at seq %d, want %d: the resent op was applied %d times", got, want, got-before-3)
	}
	if got := c.lastSeq.Load(); got != want {
		t.Errorf("the reconnected screen holds seq %d, the board %d", got, want)
	}
	if got := m.Counts.Reconnects.Load(); got != 1 {
		t.Errorf("%d reconnects, want 1", got)
	}
	if got := m.Counts.Resent.Load(); got != 1 {
		t.Errorf("%d ops sent again, want 1", got)
	}
	if got := m.Counts.Snaps.Load(); got != 1 {
		t.Errorf("%d snapshots: the reconnect should resume from its seq, not get the board again", got)
	}
	if got := m.Resync.Summary().Samples; got != 1 {
		t.Errorf("%d times back in sync recorded, want 1", got)
	}
	var dropped uint64
	for _, n := range m.Drops() {
		dropped += n
	}
	if dropped != 1 {
		t.Errorf("drops %v, want the one lost socket", m.Drops())
	}
}

// screenClient dials screens as a run does, on connections that stamp
// arrivals.
func screenClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: measure.ScreenTransport()}
}

// waitAnswered waits until every op c sent has its answer.
func waitAnswered(ctx context.Context, t *testing.T, c *Screen) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for len(c.credits) < cap(c.credits) {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%d ops unanswered", cap(c.credits)-len(c.credits))
		}
	}
}
