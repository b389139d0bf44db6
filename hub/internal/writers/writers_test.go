package writers

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// deadline bounds every wait: generous, since the machine may be loaded.
const deadline = 60 * time.Second

// conn queues frames as a session's outbox does: the first frame pushed
// onto an empty queue schedules it, and it is scheduled again only once a
// Flush has found nothing more.
type conn struct {
	t    *testing.T
	pool *Pool
	// batch bounds the frames one Flush takes, so that a long queue needs
	// several turns; 0 takes everything.
	batch int
	// write, if set, is the write itself; Flush brackets it with Begin
	// and End. Without it a write cannot block and is not bracketed.
	write func()
	// before, if set, runs at the start of each Flush, outside Begin and
	// End, so that it holds the writer without the watcher adding another.
	before func()

	mu        sync.Mutex
	queued    []int
	written   []int
	scheduled bool
	flushing  bool
	done      chan struct{} // closed once want frames are written
	want      int

	aborts atomic.Int32
}

func newConn(t *testing.T, p *Pool, want int) *conn {
	p.Open()
	return &conn{t: t, pool: p, want: want, done: make(chan struct{})}
}

func (c *conn) push(frames ...int) {
	c.mu.Lock()
	c.queued = append(c.queued, frames...)
	kick := !c.scheduled
	c.scheduled = true
	c.mu.Unlock()
	if kick {
		c.pool.Schedule(c)
	}
}

func (c *conn) Flush(w *Writer) bool {
	if c.before != nil {
		c.before()
	}
	c.mu.Lock()
	if c.flushing {
		c.t.Error("two writers flush one connection at once")
	}
	c.flushing = true
	n := len(c.queued)
	if c.batch > 0 {
		n = min(n, c.batch)
	}
	frames := slices.Clone(c.queued[:n])
	c.queued = c.queued[n:]
	c.mu.Unlock()

	if c.write != nil {
		w.Begin()
		c.write()
		w.End()
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushing = false
	before := len(c.written)
	c.written = append(c.written, frames...)
	if before < c.want && len(c.written) >= c.want {
		close(c.done)
	}
	if len(c.queued) > 0 {
		return true
	}
	c.scheduled = false
	return false
}

func (c *conn) Abort() { c.aborts.Add(1) }

func (c *conn) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(deadline):
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("%s: %d of %d frames written after %v", what, len(c.written), c.want, deadline)
	}
}

// waitShutdown closes conns and waits until every goroutine of the pool
// has left.
func waitShutdown(t *testing.T, p *Pool, conns int) {
	t.Helper()
	for range conns {
		p.Closed()
	}
	stop := time.Now().Add(deadline)
	for {
		p.mu.Lock()
		writers, watching, waiting := len(p.all), p.watching, len(p.line)-p.head
		p.mu.Unlock()
		if writers == 0 && !watching && waiting == 0 {
			return
		}
		if time.Now().After(stop) {
			t.Fatalf("with no connection open, %d writers remain, watcher running: %v, %d connections in line", writers, watching, waiting)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestEveryFrameWrittenOnce: frames pushed from many goroutines at once
// are each written exactly once, in the order pushed, and no connection
// is flushed by two writers at a time.
func TestEveryFrameWrittenOnce(t *testing.T) {
	p := &Pool{Timeout: time.Hour}
	const conns, frames = 40, 500
	cs := make([]*conn, conns)
	var pushers sync.WaitGroup
	for i := range cs {
		c := newConn(t, p, frames)
		c.batch = 1 + i%7
		c.write = func() {}
		cs[i] = c
		pushers.Go(func() {
			for f := 0; f < frames; f += 1 + f%3 {
				n := min(1+f%3, frames-f)
				batch := make([]int, n)
				for j := range batch {
					batch[j] = f + j
				}
				c.push(batch...)
			}
		})
	}
	pushers.Wait()
	for i, c := range cs {
		c.wait(t, fmt.Sprintf("connection %d", i))
		c.mu.Lock()
		for j, f := range c.written {
			if f != j {
				t.Fatalf("connection %d wrote frame %d where frame %d belongs (%d written)", i, f, j, len(c.written))
			}
		}
		if len(c.written) != frames {
			t.Fatalf("connection %d wrote %d frames, want %d", i, len(c.written), frames)
		}
		c.mu.Unlock()
	}
	waitShutdown(t, p, conns)
}

// TestTurnsInOrder: a connection with more queued than one turn writes
// goes to the back of the line, so every connection waiting gets its turn
// before any gets a second.
func TestTurnsInOrder(t *testing.T) {
	p := &Pool{Timeout: time.Hour}
	var mu sync.Mutex
	var turns []string
	names := []string{"a", "b", "c"}
	cs := make([]*conn, len(names))
	release := make(chan struct{})
	for i, name := range names {
		c := newConn(t, p, 3)
		c.batch = 1
		cs[i] = c
		first := i == 0
		c.write = func() {
			mu.Lock()
			turns = append(turns, name)
			mu.Unlock()
			if first {
				// Every connection is in line before the first's first
				// turn ends.
				first = false
				<-release
			}
		}
	}
	cs[0].push(0, 1, 2)
	cs[1].push(0, 1, 2)
	cs[2].push(0, 1, 2)
	close(release)
	for i, c := range cs {
		c.wait(t, names[i])
	}
	mu.Lock()
	got := slices.Clone(turns)
	mu.Unlock()
	if want := []string{"a", "b", "c", "a", "b", "c", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("turns %v, want %v", got, want)
	}
	waitShutdown(t, p, len(cs))
}

// TestStuckWriteHoldsUpNoOne: while a write is blocked (a client's full
// socket) the other connections are written, by a writer the watcher
// adds.
func TestStuckWriteHoldsUpNoOne(t *testing.T) {
	p := &Pool{Timeout: time.Hour}
	stuck := newConn(t, p, 1)
	blocked, unblock := make(chan struct{}), make(chan struct{})
	stuck.write = func() {
		close(blocked)
		<-unblock
	}
	stuck.push(0)
	<-blocked
	others := make([]*conn, 20)
	for i := range others {
		others[i] = newConn(t, p, 10)
		others[i].write = func() {}
		others[i].push(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	}
	for _, c := range others {
		c.wait(t, "behind a stuck write")
	}
	close(unblock)
	stuck.wait(t, "the stuck write")
	if n := stuck.aborts.Load(); n != 0 {
		t.Errorf("a write within the timeout was aborted %d times", n)
	}
	waitShutdown(t, p, len(others)+1)
}

// TestStuckWriteIsAborted: a write that lasts longer than the timeout has
// its connection aborted, which is what ends it.
func TestStuckWriteIsAborted(t *testing.T) {
	p := &Pool{Timeout: 20 * time.Millisecond}
	stuck := newConn(t, p, 1)
	stuck.write = func() {
		for stuck.aborts.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	stuck.push(0)
	stuck.wait(t, "the stuck write")
	waitShutdown(t, p, 1)
}

// TestHurry: a connection hurried while it waits in line is written next,
// and one hurried while it is being written comes back first if it has
// more; the others keep their order.
func TestHurry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hurry  int // which connection is hurried, while the first is written
		frames int // frames the first has queued, one a turn
		want   []string
	}{
		{"waiting in line", 3, 1, []string{"a", "d", "b", "c"}},
		{"being written", 0, 2, []string{"a", "a", "b", "c", "d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pool{Timeout: time.Hour}
			var mu sync.Mutex
			var turns []string
			names := []string{"a", "b", "c", "d"}
			cs := make([]*conn, len(names))
			started, release := make(chan struct{}), make(chan struct{})
			for i, name := range names {
				want := 1
				if i == 0 {
					want = tc.frames
				}
				c := newConn(t, p, want)
				c.batch = 1
				cs[i] = c
				first := i == 0
				c.before = func() {
					mu.Lock()
					turns = append(turns, name)
					mu.Unlock()
					if first {
						first = false
						close(started)
						<-release
					}
				}
			}
			frames := make([]int, tc.frames)
			cs[0].push(frames...)
			<-started
			for _, c := range cs[1:] {
				c.push(0)
			}
			p.Hurry(cs[tc.hurry])
			close(release)
			for i, c := range cs {
				c.wait(t, names[i])
			}
			mu.Lock()
			got := slices.Clone(turns)
			mu.Unlock()
			if !slices.Equal(got, tc.want) {
				t.Errorf("turns %v, want %v", got, tc.want)
			}
			waitShutdown(t, p, len(cs))
		})
	}
}

// TestOnePFree: however long the line, the writers share it among at most
// GOMAXPROCS-1 of them, so a P is left to read frames and run the rooms.
func TestOnePFree(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	p := &Pool{Timeout: time.Hour}
	var flushing, most atomic.Int32
	const conns = 400
	cs := make([]*conn, conns)
	for i := range cs {
		c := newConn(t, p, 1)
		c.before = func() {
			n := flushing.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(100 * time.Microsecond) // the writer leaves its P meanwhile
			flushing.Add(-1)
		}
		cs[i] = c
	}
	for _, c := range cs {
		c.push(0)
	}
	for i, c := range cs {
		c.wait(t, fmt.Sprint("connection ", i))
	}
	switch got := most.Load(); {
	case got > 3:
		t.Errorf("%d connections flushed at once, want at most 3 (GOMAXPROCS 4, less one)", got)
	case got < 2:
		t.Errorf("a line of %d was written by one writer at a time; it should be shared", conns)
	}
	waitShutdown(t, p, conns)
}
