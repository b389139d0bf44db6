package hub

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
)

// TestJoinCodeCollision: several boards are created at the same moment and
// all draw the same join code first. One gets it; the others draw again
// and get boards of their own, and no board's creation is written into
// another's log.
func TestJoinCodeCollision(t *testing.T) {
	h, log := newBoltHub(t)
	const taken, racing = "ABCDEF", 8
	var draws atomic.Int32
	h.drawBoardID = func() string {
		if draws.Add(1) <= racing {
			return taken
		}
		return newBoardID()
	}
	var wg sync.WaitGroup
	ids := make(chan string, racing)
	for i := range racing {
		wg.Go(func() {
			e := board.Entry{At: time.Now(), Op: board.Op{Kind: board.BoardCreate, Title: fmt.Sprintf("Board %d", i), Prompt: "Whose board is it?"}}
			// A create that drew the taken code five times in a row
			// gives up; any other answer is a board.
			if id, _, err := h.Create(t.Context(), e); err == nil {
				ids <- id
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("two boards were given the join code %s", id)
		}
		seen[id] = true
	}
	if !seen[taken] {
		t.Errorf("no board got the code all of them drew first")
	}
	for id := range seen {
		recs, err := log.Read(t.Context(), id, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Errorf("board %s's log holds %d records, want its creation alone", id, len(recs))
		}
	}
}
