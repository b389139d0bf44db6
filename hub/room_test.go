package hub

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
)

// TestIdleRoomTakesNoPosts: once a room has left (idle, forgotten by the
// hub), a post to it fails, so a session holding it from before is told
// to reconnect instead of waiting for a welcome nobody will send.
func TestIdleRoomTakesNoPosts(t *testing.T) {
	h, log := newBoltHub(t)
	data, _ := json.Marshal(board.Entry{At: time.Now(), Op: board.Op{Kind: board.BoardCreate, Title: "Idle", Prompt: "Anyone?"}})
	if err := log.Create(t.Context(), "RQ7ZZZ", data); err != nil {
		t.Fatal(err)
	}
	r, err := h.room(t.Context(), "RQ7ZZZ")
	if err != nil {
		t.Fatal(err)
	}
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
