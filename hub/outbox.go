package hub

import "sync"

// outbox is a session's bounded queue of frames waiting to be written. It
// holds no memory while empty, which matters at ten thousand idle
// connections, and hands the writer everything queued at once, so several
// frames go out in one write. The room pushes and the writer takes; mu
// guards frames.
type outbox struct {
	mu     sync.Mutex
	frames [][]byte
	// wake has room for one signal: "there is something to take".
	wake chan struct{}
}

func newOutbox() outbox { return outbox{wake: make(chan struct{}, 1)} }

// push queues frame unless the outbox already holds limit frames.
func (o *outbox) push(frame []byte, limit int) bool {
	o.mu.Lock()
	if len(o.frames) >= limit {
		o.mu.Unlock()
		return false
	}
	o.frames = append(o.frames, frame)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return true
}

func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.frames)
}

// take returns every queued frame, leaving the outbox empty.
func (o *outbox) take() [][]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	frames := o.frames
	o.frames = nil
	return frames
}
