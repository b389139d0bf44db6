package hub

import (
	"sync"
	"time"
)

// watchTicks is how many times the watcher looks within one write
// timeout: a write is ended between timeout and timeout plus a tick.
const watchTicks = 8

// writers bounds every write to a client by the write timeout. Each
// connection is written by a goroutine of its own, started when its outbox
// gets a frame and gone once the outbox is empty (wsConn.drain), so an
// idle connection holds none, and a stuck socket holds up only its own
// connection. A write blocks only while a client's socket is full (a weak
// link, a suspended laptop); one watcher, running only while some write
// is under way, tears down a connection whose write has lasted longer
// than timeout, which ends the write. A timer per write would cost the
// same in every write; the watcher costs a map entry.
type writers struct {
	timeout time.Duration // set before the first write
	mu      sync.Mutex
	writing map[*wsConn]int64 // connections writing, and the tick their write began
	tick    int64             // the watcher's ticks so far
	running bool              // the watcher goroutine is running
}

// begin records that c starts a write, and starts the watcher if it is
// not running.
func (p *writers) begin(c *wsConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.writing == nil {
		p.writing = map[*wsConn]int64{}
	}
	p.writing[c] = p.tick
	if !p.running {
		p.running = true
		go p.watch()
	}
}

// end records that c's write is over.
func (p *writers) end(c *wsConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.writing, c)
}

// watch runs while writes are under way and aborts those begun more than
// timeout ago; it leaves once no write is under way.
func (p *writers) watch() {
	tick := time.NewTicker(max(p.timeout/watchTicks, time.Millisecond))
	defer tick.Stop()
	var stalled []*wsConn
	for range tick.C {
		p.mu.Lock()
		if len(p.writing) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.tick++
		for c, began := range p.writing {
			if p.tick-began > watchTicks {
				stalled = append(stalled, c)
			}
		}
		p.mu.Unlock()
		for _, c := range stalled {
			c.abort()
		}
		stalled = stalled[:0]
	}
}
