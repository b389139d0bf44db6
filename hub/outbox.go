package hub

import "sync"

// outbox is a session's bounded queue of frames waiting to be written. It
// hands the writer everything queued at once, so several frames go out in
// one write. While empty it holds at most keptSlots slots, which matters
// at ten thousand idle connections.
//
// The room pushes and a writer takes. No goroutine waits on an outbox:
// when the first frame arrives, or the session closes, the outbox calls
// schedule, and the transport hands the connection to a writer. Until the
// writer finds the outbox empty again, later pushes only queue. mu guards
// everything but schedule, which the transport sets before the first push.
type outbox struct {
	mu        sync.Mutex
	frames    [][]byte
	scheduled bool // a writer has been asked for, or is writing
	closing   bool // the session closed: the writer sends what is left and the close
	ended     bool // the writer is done with the connection: pushes are dropped
	// latest is where each queued ephemeral frame is in frames, by its
	// key (see pushLatest).
	latest   map[string]int
	schedule func()
	// hurry, if the transport sets it (before the first push), has the
	// writer come to this connection before others (Pool.Hurry).
	hurry func()
}

// push queues frame unless the outbox already holds limit frames. Once the
// session is closing, frames are dropped and push reports true: the close
// already tells the client what to do.
func (o *outbox) push(frame []byte, limit int) bool {
	return o.pushLatest(frame, "", limit, nil)
}

// pushLatest is push for an ephemeral frame of a key (ephKey; "" for a
// logged frame, which has none): where a frame of that key is still
// queued, frame takes its place. A slow link is sent a note's latest
// position, not every step of its drag, and drags do not queue up ahead
// of the logged changes behind them. Otherwise frame is queued only if
// allow (if set) lets its bytes through, and dropped if not.
func (o *outbox) pushLatest(frame []byte, key string, limit int, allow func(bytes int) bool) bool {
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
		o.schedule()
	}
	return true
}

// pushAnswer queues an answer to the client's own op, and has the
// writer come for it before the other connections it is writing for.
func (o *outbox) pushAnswer(frame []byte, limit int) bool {
	if !o.push(frame, limit) {
		return false
	}
	if o.hurry != nil {
		o.hurry()
	}
	return true
}

// close asks the writer to finish the connection: write what is queued,
// then the close frame.
func (o *outbox) close() {
	o.mu.Lock()
	if o.closing || o.ended {
		o.mu.Unlock()
		return
	}
	o.closing = true
	kick := o.claim()
	o.mu.Unlock()
	if kick {
		o.schedule()
	}
}

// claim marks the outbox scheduled and reports whether it was not, in
// which case the caller hands it to a writer once mu is released. mu is
// held.
func (o *outbox) claim() bool {
	kick := !o.scheduled
	o.scheduled = true
	return kick
}

// next is the writer's call: it returns every queued frame, and closing
// when the session has closed, in which case the outbox ends and later
// pushes are dropped.
func (o *outbox) next() (frames [][]byte, closing bool) {
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

// more is the writer's call after writing written, what next returned:
// whether there is more to do (frames queued meanwhile, or the close). If
// not, the outbox goes back to waiting for a push to schedule it.
func (o *outbox) more(written [][]byte) bool {
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

// end drops what is queued and every later push: the connection failed.
func (o *outbox) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.frames, o.latest, o.ended = nil, nil, true
}
