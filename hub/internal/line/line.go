// Package line is what is sent to one client: its bounded queue of frames
// (hub/internal/outbox) and how its connection ends. The room fills it,
// the session answers the client's own frames through it, and the
// transport's writers drain it.
package line

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/internal/metrics"
	"github.com/plenary/plenary/hub/internal/outbox"
	"github.com/plenary/plenary/protocol"
)

// Per-connection bounds.
const (
	sendQueueLen = 1024
	// ephBytesPerSecond bounds the drags and cursors one session is sent,
	// about 90 positions a second: a phone on 256 kbit/s (32 KB/s) that
	// watches 20 people drag at once would otherwise be sent more than
	// its link carries, and its logged changes would wait behind them in
	// the network's buffers. Past it a position is dropped; the next
	// replaces it, and a drag ends with a logged move.
	ephBytesPerSecond = 8000
	ephBurst          = 2000
)

// Line is one client's bounded queue and its close. The queue and the
// close are safe from any goroutine; ephBudget belongs to the goroutine
// of the room that passes drags on (EnqueueEphemeral).
type Line struct {
	metrics *metrics.Figures

	out       outbox.Outbox
	closeOnce sync.Once
	closeCode int
	closeMsg  string
	// ephBudget bounds the drags and cursors the client is sent; made
	// with the first.
	ephBudget *rate.Limiter
}

// New is the line of a client that connects now. It calls schedule when
// frames wait in its queue, or it has closed, and no writer has been
// asked for since the last More that reported false; hurry, if not nil,
// asks that writer to come before others: the answer to the client's own
// op is queued.
func New(m *metrics.Figures, schedule, hurry func()) *Line {
	l := &Line{metrics: m}
	l.out.Schedule, l.out.Hurry = schedule, hurry
	return l
}

// Enqueue hands a frame to the writer without ever blocking: a client too
// slow to keep up is closed with CloseResume and catches up from the log
// when it reconnects, so a logged change is never silently dropped.
func (l *Line) Enqueue(frame []byte) {
	if !l.out.Push(frame, sendQueueLen) {
		l.overflow()
	}
}

// EnqueueAnswer is Enqueue for the answer to the client's own op (its
// acknowledgement or refusal), which the writers come for first: the
// person who acted is waiting on it.
func (l *Line) EnqueueAnswer(frame []byte) {
	if !l.out.PushAnswer(frame, sendQueueLen) {
		l.overflow()
	}
}

func (l *Line) overflow() {
	l.metrics.Overflows.Add(1)
	l.Close(protocol.CloseResume, "send queue full: reconnect and resume")
}

// EnqueueEphemeral passes on a drag or cursor only while the queue is less
// than half full, and within ephBytesPerSecond: ephemeral traffic is the
// first thing dropped under load. One still queued of the same key is
// replaced. It runs on the room's goroutine, which owns ephBudget.
func (l *Line) EnqueueEphemeral(frame []byte, key string) {
	if l.ephBudget == nil {
		l.ephBudget = rate.NewLimiter(ephBytesPerSecond, ephBurst)
	}
	l.out.PushLatest(frame, key, sendQueueLen/2, func(n int) bool { return l.ephBudget.AllowN(time.Now(), n) })
}

// Refuse answers the client's frame of ref with e, counted by its code.
func (l *Line) Refuse(ref string, e *board.Error) {
	l.metrics.Refused(e.Code)
	l.EnqueueAnswer(ErrorFrame(ref, e))
}

// ErrorFrame is the err frame that refuses the client's frame of ref.
func ErrorFrame(ref string, e *board.Error) []byte {
	return protocol.Encode(protocol.Err{T: "err", Ref: ref, Code: e.Code, Msg: e.Message})
}

// Close ends the connection once; the transport sends code and msg to the
// client after what is queued.
func (l *Line) Close(code int, msg string) {
	l.closeOnce.Do(func() {
		l.closeCode, l.closeMsg = code, msg
		l.out.Close()
	})
}

// Closed is the close code and message a closed line ends with.
func (l *Line) Closed() (code int, msg string) { return l.closeCode, l.closeMsg }

// Next, More and Failed are the transport's writer's calls on the queue
// (outbox.Outbox's Next, More and End): what to write, whether more came
// meanwhile, and that nothing more can be written.
func (l *Line) Next() (frames [][]byte, closing bool) { return l.out.Next() }
func (l *Line) More(written [][]byte) bool            { return l.out.More(written) }
func (l *Line) Failed()                               { l.out.End() }
