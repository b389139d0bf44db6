package main

import (
	"context"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
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
	url := startServer(t)
	l := newLoad(Config{Scenario: "plenary", URLs: []string{url}}.withDefaults())
	w, err := createBoard(ctx, l.httpc, url, "Reconnect", l.m, ringFor(1))
	if err != nil {
		t.Fatal(err)
	}
	c, err := dial(ctx, l.screens, url, w, client.Hello{Board: w.id, Token: w.token}, maxWindow)
	if err != nil {
		t.Fatal(err)
	}
	w.facilitator = c
	defer c.close()
	watcher, err := client.Dial(ctx, url, client.Hello{Board: w.id, Token: w.token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()

	// Acknowledged before the drop.
	if !c.take(ctx) || c.send(kindOther, &board.Op{Kind: board.TimerStart, Seconds: 60}) != nil {
		t.Fatal("could not send the first op")
	}
	waitAnswered(ctx, t, c)
	before := c.lastSeq.Load()

	// The socket drops as a lost link does, and the next op is written to
	// the dead socket before the reconnect can replace it: it waits in
	// flight. timer.add is not idempotent, so applied twice it would show.
	if !c.take(ctx) {
		t.Fatal("no room for the second op")
	}
	c.mu.Lock()
	c.cl.Drop()
	err = c.sendLocked(kindOther, &board.Op{Kind: board.TimerAdd, Seconds: 30})
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
	case <-c.closed:
		t.Fatalf("the screen ended instead of reconnecting: %v", c.err)
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
	m := &l.m.counts
	if got := m.reconnects.Load(); got != 1 {
		t.Errorf("%d reconnects, want 1", got)
	}
	if got := m.resent.Load(); got != 1 {
		t.Errorf("%d ops sent again, want 1", got)
	}
	if got := m.snaps.Load(); got != 1 {
		t.Errorf("%d snapshots: the reconnect should resume from its seq, not get the board again", got)
	}
	if got := l.m.resync.summary().Samples; got != 1 {
		t.Errorf("%d times back in sync recorded, want 1", got)
	}
	if drops := l.m.drops(); sum(drops) != 1 {
		t.Errorf("drops %v, want the one lost socket", drops)
	}
}

// waitAnswered waits until every op c sent has its answer.
func waitAnswered(ctx context.Context, t *testing.T, c *conn) {
	t.Helper()
	for len(c.credits) < cap(c.credits) {
		if !sleepUntil(ctx, time.Now().Add(10*time.Millisecond)) {
			t.Fatalf("%d ops unanswered", cap(c.credits)-len(c.credits))
		}
	}
}
