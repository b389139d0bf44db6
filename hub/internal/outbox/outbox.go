// Package outbox is a session's queue of frames waiting for its
// connection's writer: bounded, joined into one write, thinned of drags a
// newer one replaced, with the answers to the client's own ops hurried.
package outbox

import "sync"

// Outbox is a session's bounded queue of frames waiting to be written. It
// hands the writer everything queued at once, so several frames go out in
// one write. While empty it holds at most keptSlots slots, which matters
// at ten thousand idle connections.
//
// The room pushes and a writer takes. No goroutine waits on an outbox:
// when the first frame arrives, or the session closes, the outbox calls
// Schedule, and the transport hands the connection to a writer. Until the
// writer finds the outbox empty again, later pushes only queue. mu guards
// everything but Schedule and Hurry, which the transport sets before the
// first push. The zero Outbox is empty and open.
type Outbox struct {
	mu        sync.Mutex
	frames    [][]byte
	scheduled bool // a writer has been asked for, or is writing
	closing   bool // the session closed: the writer sends what is left and the close
	ended     bool // the writer is done with the connection: pushes are dropped
	// latest is where each queued ephemeral frame is in frames, by its
	// key (see PushLatest).
	latest map[string]int
	// Schedule hands the connection to a writer.
	Schedule func()
	// Hurry, if the transport sets it, has the writer come to this
	// connection before others (writers.Pool.Hurry).
	Hurry func()
}

// Push queues frame unless the outbox already holds limit frames. Once the
// session is closing, frames are dropped and Push reports true: the close
// already tells the client what to do.
func (o *Outbox) Push(frame []byte, limit int) bool {
	return o.PushLatest(frame, "", limit, nil)
}

// PushLatest is Push for an ephemeral frame of a key (what it is about,
// all of it but the position; "" for a logged frame, which has none):
// where a frame of that key is still queued, frame takes its place. A slow link is sent a note's latest
// position, not every step of its drag, and drags do not queue up ahead
// of the logged changes behind them. Otherwise frame is queued only if
// allow (if set) lets its bytes through, and dropped if not.
func (o *Outbox) PushLatest(frame []byte, key string, limit int, allow func(bytes int) bool) bool {
	o.mu.Lock()
	if o.closing || o.ended {
		o.mu.Unlock()
		return true
	}
	if i, ok := o.latest[key]; ok && key != "" {
		o.frames[i] = frame
		o.mu.Unlock()
		return true
	}
	if allow != nil && !allow(len(frame)) {
		o.mu.Unlock()
		return true
	}
	if len(o.frames) >= limit {
		o.mu.Unlock()
		return false
	}
	o.frames = append(o.frames, frame)
	if key != "" {
		if o.latest == nil {
			o.latest = map[string]int{}
		}
		o.latest[key] = len(o.frames) - 1
	}
	kick := o.claim()
	o.mu.Unlock()
	if kick {
		o.Schedule()
	}
	return true
}

// PushAnswer queues an answer to the client's own op, and has the
// writer come for it before the other connections it is writing for.
func (o *Outbox) PushAnswer(frame []byte, limit int) bool {
	if !o.Push(frame, limit) {
		return false
	}
	if o.Hurry != nil {
		o.Hurry()
	}
	return true
}

// Close asks the writer to finish the connection: write what is queued,
// then the close frame.
func (o *Outbox) Close() {
	o.mu.Lock()
	if o.closing || o.ended {
		o.mu.Unlock()
		return
	}
	o.closing = true
	kick := o.claim()
	o.mu.Unlock()
	if kick {
		o.Schedule()
	}
}

// claim marks the outbox scheduled and reports whether it was not, in
// which case the caller hands it to a writer once mu is released. mu is
// held.
func (o *Outbox) claim() bool {
	kick := !o.scheduled
	o.scheduled = true
	return kick
}

// Next is the writer's call: it returns every queued frame, and closing
// when the session has closed, in which case the outbox ends and later
// pushes are dropped.
func (o *Outbox) Next() (frames [][]byte, closing bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	frames, o.frames = o.frames, nil
	clear(o.latest)
	if o.closing {
		o.ended = true
	}
	return frames, o.closing
}

// keptSlots bounds the slots an empty outbox keeps from its last write.
// Keeping them spares an allocation per frame pushed (a busy board's
// change goes to every screen) for a few words per connection.
const keptSlots = 4

// More is the writer's call after writing written, what Next returned:
// whether there is more to do (frames queued meanwhile, or the close). If
// not, the outbox goes back to waiting for a push to schedule it.
func (o *Outbox) More(written [][]byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.frames == nil && cap(written) <= keptSlots {
		clear(written) // the frames themselves are the writer's to drop
		o.frames = written[:0]
	}
	if len(o.frames) > 0 || o.closing {
		return true
	}
	o.scheduled = false
	return false
}

// End drops what is queued and every later push: the connection failed.
func (o *Outbox) End() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.frames, o.latest, o.ended = nil, nil, true
}
