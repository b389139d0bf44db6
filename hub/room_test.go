package hub

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
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

// newRoomOf creates board id on a hub of its own and returns its room.
func newRoomOf(t *testing.T, id string) *room {
	t.Helper()
	h, log := newBoltHub(t)
	data, _ := json.Marshal(board.Entry{At: time.Now(), Op: board.Op{Kind: board.BoardCreate, Title: "A room", Prompt: "Who is here?"}})
	if err := log.Create(t.Context(), id, data); err != nil {
		t.Fatal(err)
	}
	r, err := h.room(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
