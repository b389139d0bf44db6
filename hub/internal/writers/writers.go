// Package writers writes every connection's queued frames on a few
// goroutines instead of one per connection.
//
// An idle connection then holds no writer goroutine, nor the channel
// such a goroutine waits on: with one parked on a channel for every
// connection, ten thousand idle connections (.ci/load idle) took 38 KiB
// of the server's memory each instead of 33, a sixth more.
// And a broadcast to a board costs one wake-up rather than one per
// participant: a goroutine per connection started by its first queued
// frame and gone once its outbox was empty took about three times the CPU
// per delivery of the pool in a saturated board (.ci/load saturate),
// since each such goroutine wakes for one frame, where a writer of the
// pool comes to a connection once several have queued.
//
// A write blocks only when a client's socket is full (a weak link, a
// suspended laptop). So that such clients never hold up the rest, the
// watcher adds a writer whenever connections are waiting and no write has
// finished since its last look, and it aborts any write older than the
// pool's timeout; it runs only while some write is under way. Writers
// beyond what is awake leave as soon as the line is empty, and every
// goroutine of the pool is gone while no connection is open.
package writers

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

// Conn is a connection the pool writes for.
type Conn interface {
	// Flush is a writer's turn at the connection: it writes what is
	// queued, bracketing each write that may block with w.Begin and
	// w.End, and reports whether to come back for more.
	Flush(w *Writer) (more bool)
	// Abort tears the connection down under a write that has lasted
	// longer than the pool's timeout, so that the write fails.
	Abort()
}

// Pool is the writers of a server's connections. The zero Pool, with
// Timeout set before the first Open, is ready to use.
type Pool struct {
	Timeout time.Duration // bounds one write

	mu   sync.Mutex
	wake sync.Cond // idle writers wait here
	line []Conn    // connections waiting for a writer, first in first out
	head int       // line[head:] is waiting
	// hurried are connections being written that were hurried meanwhile:
	// if they have more, they go back to the front of the line.
	hurried  map[Conn]struct{}
	idle     int // writers waiting on wake
	awake    int // writers writing or looking for work
	all      map[*Writer]struct{}
	progress uint64 // flushes finished
	conns    int    // open connections; the pool runs while there are any
	watching bool   // the watcher goroutine is running
	clock    atomic.Int64
	busy     atomic.Int64 // writes under way
}

// Writer is one writer goroutine's slot: the watcher reads when its
// current write began (in watcher ticks; 0 when not writing) and what to
// abort if that was too long ago.
type Writer struct {
	pool  *Pool
	since atomic.Int64
	conn  Conn // being flushed; guarded by the pool's mu
}

// Open counts a new connection.
func (p *Pool) Open() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wake.L == nil {
		p.wake.L = &p.mu
		p.all = map[*Writer]struct{}{}
	}
	p.conns++
}

// Closed counts a connection gone; with none left, idle writers leave.
func (p *Pool) Closed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns--
	if p.conns == 0 {
		p.awake += p.idle
		p.idle = 0
		p.wake.Broadcast()
	}
}

// Schedule puts c in line and makes sure a writer will come for it. The
// caller schedules c again only once its Flush has reported no more.
//
// Writers share a long line out among themselves, but leave one P free:
// with every P writing, the runtime looks at the network only when its
// monitor comes by, every 10 ms, so an op would wait that long to be read,
// and again to be applied, while a broadcast is written.
func (p *Pool) Schedule(c Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.line = append(p.line, c)
	waiting := len(p.line) - p.head
	if p.awake == 0 || (waiting > shareAt*p.awake && p.awake < runtime.GOMAXPROCS(0)-1) {
		p.addWriter()
	}
}

// Hurry puts c at the front of the line, or, if a writer is at c now,
// has c come back first if it has more: an answer a participant is
// waiting for need not wait behind every other connection's share of a
// broadcast, a whole round of the line when the room is busy (thousands
// joining at once). The caller hurries c only after queueing for it,
// and rarely (once per op answered): finding c in the line is linear.
func (p *Pool) Hurry(c Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := p.head; i < len(p.line); i++ {
		if p.line[i] == c {
			copy(p.line[p.head+1:i+1], p.line[p.head:i])
			p.line[p.head] = c
			return
		}
	}
	for w := range p.all {
		if w.conn == c {
			if p.hurried == nil {
				p.hurried = map[Conn]struct{}{}
			}
			p.hurried[c] = struct{}{}
			return
		}
	}
}

// addWriter wakes an idle writer, or starts one. p.mu is held.
func (p *Pool) addWriter() {
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
	w := &Writer{pool: p}
	p.all[w] = struct{}{}
	go p.work(w)
}

// pop takes the first connection in line. p.mu is held.
func (p *Pool) pop() (Conn, bool) {
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

// pushFront puts c first in line. p.mu is held.
func (p *Pool) pushFront(c Conn) {
	if p.head > 0 {
		p.head--
		p.line[p.head] = c
		return
	}
	p.line = append(p.line, nil)
	copy(p.line[1:], p.line)
	p.line[0] = c
}

func (p *Pool) work(w *Writer) {
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
		w.conn = c
		p.mu.Unlock()
		more := c.Flush(w)
		p.mu.Lock()
		w.conn = nil
		p.progress++
		_, hurried := p.hurried[c]
		delete(p.hurried, c)
		switch {
		case more && hurried:
			p.pushFront(c)
		case more:
			p.line = append(p.line, c)
		}
	}
}

// watch runs while writes are under way: it adds a writer when the line
// has not moved since its last look, and aborts writes older than
// Timeout.
func (p *Pool) watch() {
	tick := time.NewTicker(watchEvery)
	defer tick.Stop()
	limit := int64(p.Timeout / watchEvery)
	var last uint64
	var stalled []Conn
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
				if w.conn != nil {
					stalled = append(stalled, w.conn)
				}
			}
		}
		p.mu.Unlock()
		for _, c := range stalled {
			c.Abort()
		}
		stalled = stalled[:0]
	}
}

// Begin and End bracket one write of the connection being flushed, for
// the watcher, which Begin starts if no other write is under way.
func (w *Writer) Begin() {
	p := w.pool
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

// End ends the write Begin began.
func (w *Writer) End() {
	w.since.Store(0)
	w.pool.busy.Add(-1)
}
