package bolt

import (
	"context"

	"github.com/plenary/plenary/store"
)

// Subscribe delivers nothing: a bbolt file is open in one process only, so
// every record is appended through this Log, and Append answers it to the
// process that appended it (see store.Log).
func (l *Log) Subscribe(board string, ev store.Events) (cancel func()) {
	return func() {}
}

// Publish does nothing: a bbolt file is open in one process only, so there
// is no other process to send ephemeral messages to, and this process
// delivers its own itself.
func (l *Log) Publish(ctx context.Context, board string, data []byte) error {
	return store.CheckBoard(board)
}
