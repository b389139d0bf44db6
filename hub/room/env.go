package room

import (
	"log/slog"
	"sync"

	"github.com/plenary/plenary/hub/internal/metrics"
	"github.com/plenary/plenary/hub/internal/token"
	"github.com/plenary/plenary/store"
)

// Env is what every room of one hub shares, and the sessions on them
// (hub/session's Env holds one): the hub builds it once, in hub.New, and
// owns what it points to. The rooms reach the hub's
// directory of boards only through its funcs, so a room never holds the
// hub itself.
type Env struct {
	// Log is the boards' durable log.
	Log    store.Log
	Tokens token.Signer
	Logger *slog.Logger
	// Instance names this instance in the refs of the entries it appends,
	// so only the sender's connection is sent their acknowledgement.
	Instance string
	Metrics  *metrics.Figures
	// Closing is closed when the hub closes: every room then saves its
	// board and tells its screens to reconnect.
	Closing <-chan struct{}
	// Background counts the snapshot writes Close waits for.
	Background *sync.WaitGroup
	// StoreUp reports what the last ping of the store found; StoreStalled
	// records that an op waited out StoreWait for it.
	StoreUp      func() bool
	StoreStalled func()
	// Publish hands an ephemeral frame to other instances, never waiting.
	Publish func(board string, frame []byte)

	// Forget takes a room that failed to load out of the directory, so
	// the next request tries again.
	Forget func(*Room)
	// ForgetIfIdle takes an idle room out of the directory unless work
	// is on its way to it (see LeaveIfIdle), and reports whether it did.
	ForgetIfIdle func(*Room) bool
	// Missed tells the room holding board, if any, to read the log.
	Missed func(board string)
}
