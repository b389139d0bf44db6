package fanout

import (
	"sync"

	"github.com/plenary/plenary/store"
)

// queueLen bounds what waits for one subscriber: about a minute of a busy
// board's ops, or a few seconds of a plenary's drags. Past it, the
// subscriber is behind anyway and reading the log back is cheaper.
const queueLen = 1024

// event is a record, or an ephemeral message when record.Seq is 0 (seqs
// start at 1).
type event struct {
	record    store.Record
	ephemeral []byte
}

// Subscription is one subscriber of one board. Its goroutine is the only
// caller of its Events funcs. Its queue holds no memory while empty, which
// matters with hundreds of boards open.
type Subscription struct {
	board string
	ev    store.Events
	mu    sync.Mutex
	queue []event // guarded by mu
	// missed is set when a record was dropped or the backend lost
	// track: Resync is due. Guarded by mu.
	missed bool
	kick   chan struct{} // has room for one "something to do"
	done   chan struct{} // closed by stop
}

func newSubscription(board string, ev store.Events) *Subscription {
	s := &Subscription{
		board: board,
		ev:    ev,
		kick:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	go s.run()
	return s
}

// offer queues e without blocking. A dropped ephemeral message is simply
// gone; a dropped record calls for a Resync.
func (s *Subscription) offer(e event) {
	s.mu.Lock()
	switch {
	case len(s.queue) < queueLen:
		s.queue = append(s.queue, e)
	case e.record.Seq != 0:
		s.missed = true
	}
	s.mu.Unlock()
	s.wake()
}

// resync asks for one Resync call; many asks before it runs make one call.
func (s *Subscription) resync() {
	s.mu.Lock()
	s.missed = true
	s.mu.Unlock()
	s.wake()
}

func (s *Subscription) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// stop ends the goroutine. A call to an Events func already under way
// finishes; no other starts.
func (s *Subscription) stop() { close(s.done) }

func (s *Subscription) run() {
	for {
		select {
		case <-s.done:
			return
		case <-s.kick:
		}
		s.mu.Lock()
		events, missed := s.queue, s.missed
		s.queue, s.missed = nil, false
		s.mu.Unlock()
		for _, e := range events {
			select {
			case <-s.done:
				return
			default:
			}
			s.deliver(e)
		}
		if missed && s.ev.Resync != nil {
			s.ev.Resync()
		}
	}
}

func (s *Subscription) deliver(e event) {
	switch {
	case e.record.Seq != 0 && s.ev.Record != nil:
		s.ev.Record(e.record)
	case e.record.Seq == 0 && s.ev.Ephemeral != nil:
		s.ev.Ephemeral(e.ephemeral)
	}
}
