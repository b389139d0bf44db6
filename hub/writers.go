package hub

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// watchEvery paces the watcher: how soon a queue stuck behind blocked
	// writes gets another writer, and how finely write timeouts are told.
	watchEvery = 5 * time.Millisecond
	// shareAt is how many connections may wait per awake writer before
	// another is woken, so that on several cores a long queue is written
	// in parallel while on one core a broadcast costs one wake-up.
	shareAt = 32
	// maxWriters bounds the writers, blocked ones included: past it a
	// stuck socket waits for the write timeout to free a writer.
	maxWriters = 4096
)

// writers writes every connection's queued frames on a few goroutines
// instead of one per connection. A broadcast to a board then costs one
// wake-up rather than one per participant, and an idle connection holds no
// writer goroutine at all: the two costs that decide how many participants
// a core can serve.
//
// A write blocks only when a client's socket is full (a weak link, a
// suspended laptop). So that such clients never hold up the rest, the
// watcher adds a writer whenever connections are waiting and no write has
// finished since its last look, and it aborts any write older than
// timeout; it runs only while some write is under way. Writers beyond
// what is awake leave as soon as the line is empty, and every goroutine
// of the pool is gone while no connection is open.
//
// Measured against the simpler design, a goroutine per connection started
// by its first queued frame and gone once its outbox is empty: in a
// saturated board (.ci/load saturate) that took about three times the CPU
// per delivery of the pool, since each connection's writer wakes for one
// frame, where a writer of the pool comes to a connection once several
// have queued.
type writers struct {
	timeout  time.Duration // bounds one write; set before the first open
	mu       sync.Mutex
	wake     sync.Cond // idle writers wait here
	line     []*wsConn // connections waiting for a writer, first in first out
	head     int       // line[head:] is waiting
	idle     int       // writers waiting on wake
	awake    int       // writers writing or looking for work
	all      map[*writer]struct{}
	progress uint64 // flushes finished
	conns    int    // open connections; the pool runs while there are any
	watching bool   // the watcher goroutine is running
	clock    atomic.Int64
	busy     atomic.Int64 // writes under way
}

// writer is one writer goroutine's slot: the watcher reads when its
// current write began (in watcher ticks; 0 when not writing) and what to
// abort if that was too long ago.
type writer struct {
	since atomic.Int64
	conn  atomic.Pointer[wsConn]
}

// open counts a new connection.
func (p *writers) open() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wake.L == nil {
		p.wake.L = &p.mu
		p.all = map[*writer]struct{}{}
	}
	p.conns++
}

// closed counts a connection gone; with none left, idle writers leave.
func (p *writers) closed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns--
	if p.conns == 0 {
		p.awake += p.idle
		p.idle = 0
		p.wake.Broadcast()
	}
}

// schedule puts c in line and makes sure a writer will come for it.
func (p *writers) schedule(c *wsConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line = append(p.line, c)
	waiting := len(p.line) - p.head
	if p.awake == 0 || (waiting > shareAt*p.awake && p.awake < runtime.GOMAXPROCS(0)) {
		p.addWriter()
	}
}

// addWriter wakes an idle writer, or starts one. p.mu is held.
func (p *writers) addWriter() {
	p.awake++
	if p.idle > 0 {
		p.idle--
		p.wake.Signal()
		return
	}
	if len(p.all) >= maxWriters {
		p.awake--
		return
	}
	w := &writer{}
	p.all[w] = struct{}{}
	go p.work(w)
}

// pop takes the first connection in line. p.mu is held.
func (p *writers) pop() (*wsConn, bool) {
	if p.head == len(p.line) {
		return nil, false
	}
	c := p.line[p.head]
	p.line[p.head] = nil
	p.head++
	if p.head == len(p.line) {
		p.line, p.head = p.line[:0], 0
	}
	return c, true
}

func (p *writers) work(w *writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		c, ok := p.pop()
		if !ok {
			// One idle writer per core is kept for the next broadcast;
			// the rest, and all of them once no connection is open,
			// leave.
			if p.conns == 0 || p.idle >= runtime.GOMAXPROCS(0) {
				p.awake--
				delete(p.all, w)
				return
			}
			p.awake--
			p.idle++
			p.wake.Wait() // whoever wakes us counts us awake again
			continue
		}
		p.mu.Unlock()
		more := c.flush(w)
		p.mu.Lock()
		p.progress++
		if more {
			p.line = append(p.line, c)
		}
	}
}

// watch runs while writes are under way: it adds a writer when the line
// has not moved since its last look, and aborts writes older than
// timeout.
func (p *writers) watch() {
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	limit := int64(p.timeout / watchEvery)
	var last uint64
	var stalled []*wsConn
	for range tick.C {
		now := p.clock.Add(1)
		p.mu.Lock()
		if p.busy.Load() == 0 {
			p.watching = false
			p.mu.Unlock()
			return
		}
		if p.head < len(p.line) && p.progress == last {
			p.addWriter()
		}
		last = p.progress
		for w := range p.all {
			if since := w.since.Load(); since != 0 && now-since > limit {
				if c := w.conn.Load(); c != nil {
					stalled = append(stalled, c)
				}
			}
		}
		p.mu.Unlock()
		for _, c := range stalled {
			c.abort()
		}
		stalled = stalled[:0]
	}
}

// begin and end bracket one write of c, for the watcher, which begin
// starts if no other write is under way.
func (w *writer) begin(p *writers, c *wsConn) {
	w.conn.Store(c)
	w.since.Store(p.clock.Load() + 1) // never 0: 0 means not writing
	if p.busy.Add(1) == 1 {
		p.mu.Lock()
		if !p.watching {
			p.watching = true
			go p.watch()
		}
		p.mu.Unlock()
	}
}

func (w *writer) end(p *writers) {
	w.since.Store(0)
	p.busy.Add(-1)
}
