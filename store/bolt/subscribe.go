package bolt

import (
	"context"

	"github.com/plenary/plenary/store"
)

// Subscribe delivers the records appended through this Log to ev, from a
// goroutine of ev's own (see store.Log). Delivery starts before Subscribe
// returns, so state loaded afterwards misses nothing.
func (l *Log) Subscribe(board string, ev store.Events) (cancel func()) {
	s, _ := l.boards.Subscribe(board, ev)
	return func() { l.boards.Unsubscribe(s) }
}

// Publish does nothing: a bbolt file is open in one process only, so there
// is no other process to send ephemeral messages to, and this process
// delivers its own itself.
func (l *Log) Publish(ctx context.Context, board string, data []byte) error {
	return store.CheckBoard(board)
}
