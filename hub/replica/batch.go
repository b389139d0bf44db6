package replica

import (
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// Batch is entries applied one after another, as one chg frame of the
// participants' view that stands for all of them (From to Seq) and
// carries each entity's last value. A room holding a storm's joins sends
// it: each join is a count to a participant's screen (board's people),
// so a thousand joins cost that screen one small frame, not a thousand.
// The facilitators' view is sent each entry's own frame, with who acted.
type Batch struct {
	first, last uint64
	at          time.Time
	changes     []board.Change
	// index is where each entity's change is in changes.
	index map[string]int
	// frame is the batch encoded, until another entry is added.
	frame []byte
}

// Add adds a, which Replica.Apply has just returned (the recent entries
// keep their frames, not their changes), after the entries held.
func (b *Batch) Add(a *Applied) {
	if b.last == 0 {
		b.first = a.Seq
		b.index = map[string]int{}
	}
	b.last, b.at, b.frame = a.Seq, a.at, nil
	for _, c := range a.sharedChanges(Participants) {
		key := c.Entity + "/" + c.ID
		if i, ok := b.index[key]; ok {
			b.changes[i] = c
			continue
		}
		b.index[key] = len(b.changes)
		b.changes = append(b.changes, c)
	}
}

// Frame is the batch's one frame; nil when it holds no entry.
func (b *Batch) Frame() []byte {
	if b.last == 0 || b.frame != nil {
		return b.frame
	}
	f := protocol.Chg[board.Change]{T: "chg", Seq: b.last, At: b.at, Changes: b.changes}
	if b.first < b.last {
		f.From = b.first
	}
	if f.Changes == nil {
		f.Changes = []board.Change{}
	}
	b.frame = protocol.Encode(f)
	return b.frame
}
