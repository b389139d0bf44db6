package room

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/metrics"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/store/bolt"
)

// TestIdleRoomTakesNoPosts: once a room has left (idle, forgotten by the
// hub), a post to it fails, so a session holding it from before is told
// to reconnect instead of waiting for a welcome nobody will send.
func TestIdleRoomTakesNoPosts(t *testing.T) {
	r := newRoomOf(t, "RQ7ZZZ")
	r.call(func() { r.idle = time.Now().Add(-2 * roomIdle) })
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the idle room never left")
	}
	for range 100 {
		if r.post(func() {}) {
			t.Fatal("a room that has left took a post; nothing will run it")
		}
	}
	if r.tryPost(func() {}) {
		t.Fatal("a room that has left took a post; nothing will run it")
	}
}

// TestOpsGoFirst: work on the op path (checking an op, applying what the
// log took) runs before the room's other queued work, so a facilitator's
// op does not wait behind thousands of newcomers being let in.
func TestOpsGoFirst(t *testing.T) {
	r := newRoomOf(t, "RQ7ZZY")
	release := make(chan struct{})
	r.post(func() { <-release }) // the room is busy
	var order []string
	for range 100 {
		r.post(func() { order = append(order, "newcomer") })
	}
	r.postOp(func() { order = append(order, "op") })
	close(release)
	r.call(func() {})
	if len(order) != 101 || order[0] != "op" {
		t.Fatalf("the op ran at %d of %d: %v", slices.Index(order, "op"), len(order), order[:min(3, len(order))])
	}
}

// newRoomOf creates board id on an embedded store of its own and returns
// its room, loaded, in an Env of its own: a directory of that one room.
func newRoomOf(t *testing.T, id string) *Room {
	t.Helper()
	log, err := bolt.Open(filepath.Join(t.TempDir(), "plenary.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	data, _ := json.Marshal(board.Entry{At: time.Now(), Op: board.Op{Kind: board.BoardCreate, Title: "A room", Prompt: "Who is here?"}})
	if err := log.Create(t.Context(), id, data); err != nil {
		t.Fatal(err)
	}
	closing := make(chan struct{})
	var background sync.WaitGroup
	env := &Env{
		Log:          log,
		Tokens:       token.Signer{Secret: []byte("a test secret of some length")},
		Logger:       slog.Default(),
		Instance:     "test",
		Metrics:      metrics.New(),
		Closing:      closing,
		Background:   &background,
		StoreUp:      func() bool { return true },
		StoreStalled: func() {},
		Publish:      func(string, []byte) {},
		Forget:       func(*Room) {},
		ForgetIfIdle: func(r *Room) bool { return r.LeaveIfIdle() },
		Missed:       func(string) {},
	}
	r := New(env, id)
	t.Cleanup(func() { close(closing); <-r.Done(); background.Wait() })
	if err := r.Loaded(t.Context()); err != nil {
		t.Fatal(err)
	}
	return r
}
