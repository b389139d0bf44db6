// Package fanout hands a board's records and ephemeral messages to the
// subscribers of one process. Each subscriber has a goroutine of its own
// behind a bounded queue, so a slow subscriber never holds up an Append, a
// Redis connection or the other subscribers: when its queue is full,
// records are dropped and it is told to resync instead.
package fanout

import (
	"sync"

	"github.com/plenary/plenary/store"
)

// Boards is the subscribers of every board in one process. Its zero value
// has no subscribers and is ready to use. It is safe for concurrent use.
type Boards struct {
	mu   sync.Mutex // guards subs
	subs map[string]map[*Subscription]struct{}
}

// Subscribe starts delivering the board's traffic to ev. first reports
// whether ev is the board's only subscriber, so a backend knows when to
// start listening for the board.
func (b *Boards) Subscribe(board string, ev store.Events) (s *Subscription, first bool) {
	s = newSubscription(board, ev)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs == nil {
		b.subs = map[string]map[*Subscription]struct{}{}
	}
	set := b.subs[board]
	if set == nil {
		set = map[*Subscription]struct{}{}
		b.subs[board] = set
	}
	set[s] = struct{}{}
	return s, len(set) == 1
}

// Unsubscribe stops s. last reports whether that left the board with no
// subscriber, so a backend knows when to stop listening for it. Stopping s
// again does nothing and reports false.
func (b *Boards) Unsubscribe(s *Subscription) (last bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	set := b.subs[s.board]
	if _, ok := set[s]; !ok {
		return false
	}
	s.stop()
	delete(set, s)
	if len(set) > 0 {
		return false
	}
	delete(b.subs, s.board)
	return true
}

// Record hands r to the board's subscribers. They share r.Data, which
// nobody may modify.
func (b *Boards) Record(board string, r store.Record) {
	b.each(board, func(s *Subscription) { s.offer(event{record: r}) })
}

// Ephemeral hands data to the board's subscribers.
func (b *Boards) Ephemeral(board string, data []byte) {
	b.each(board, func(s *Subscription) { s.offer(event{ephemeral: data}) })
}

// Resync tells the board's subscribers they may have missed records.
func (b *Boards) Resync(board string) {
	b.each(board, (*Subscription).resync)
}

// Close stops every subscriber, as a closing backend does.
func (b *Boards) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, set := range b.subs {
		for s := range set {
			s.stop()
		}
	}
	b.subs = nil
}

func (b *Boards) each(board string, fn func(*Subscription)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[board] {
		fn(s)
	}
}
