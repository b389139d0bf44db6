package redistest

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
)

// Proxy stands between the clients of one process and a Server, so a test
// can cut that process off from Redis (Block) or hold back what Redis
// sends it (Pause) while others go on, as a partition or a stalled
// instance would. It forwards bytes and knows nothing of Redis.
type Proxy struct {
	t      testing.TB
	target string
	ln     net.Listener

	mu sync.Mutex // guards what follows
	// admitted is closed unless blocked: a new connection waits for it
	// before it is connected to Redis.
	admitted chan struct{}
	// resumed is closed unless paused: what Redis sends waits for it.
	resumed chan struct{}
	links   map[*link]struct{}
	stopped chan struct{} // closed when the test ends
}

// link is one client connection and its connection to Redis.
type link struct {
	client, server net.Conn
	once           sync.Once
	done           chan struct{}
}

func (l *link) close() {
	l.once.Do(func() {
		close(l.done)
		l.client.Close()
		l.server.Close()
	})
}

// NewProxy listens on a free port and forwards every connection to s. It
// is stopped when the test ends.
func NewProxy(t testing.TB, s *Server) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, target: s.Addr(), ln: ln, admitted: closed(), resumed: closed(),
		links: map[*link]struct{}{}, stopped: make(chan struct{})}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		close(p.stopped)
		p.Block()
	})
	return p
}

func closed() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

// shut makes *gate hold back whoever waits on it, if it does not already.
func shut(gate *chan struct{}) {
	select {
	case <-*gate:
		*gate = make(chan struct{})
	default:
	}
}

// release lets through whoever waits on *gate.
func release(gate *chan struct{}) {
	select {
	case <-*gate:
	default:
		close(*gate)
	}
}

// URL is the redis:// URL of the proxy.
func (p *Proxy) URL() string {
	return "redis://127.0.0.1:" + strconv.Itoa(p.ln.Addr().(*net.TCPAddr).Port) + "/0"
}

// Block drops every connection, and what Pause held back with them, and
// holds new ones unconnected until Open: a client cut off from Redis
// reaches it again the moment it is let back in.
func (p *Proxy) Block() {
	p.mu.Lock()
	defer p.mu.Unlock()
	shut(&p.admitted)
	for l := range p.links {
		l.close()
		delete(p.links, l)
	}
}

// Pause holds back everything Redis sends through the proxy, until Open;
// what the clients send still reaches Redis.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	shut(&p.resumed)
}

// Open undoes Block and Pause.
func (p *Proxy) Open() {
	p.mu.Lock()
	defer p.mu.Unlock()
	release(&p.admitted)
	release(&p.resumed)
}

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(client)
	}
}

// connect connects client to Redis once the proxy is not blocked, or
// returns nil when it cannot.
func (p *Proxy) connect(client net.Conn) *link {
	for {
		select {
		case <-p.gate(&p.admitted):
		case <-p.stopped:
			client.Close()
			return nil
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			return nil
		}
		p.mu.Lock()
		select {
		case <-p.admitted:
			l := &link{client: client, server: server, done: make(chan struct{})}
			p.links[l] = struct{}{}
			p.mu.Unlock()
			return l
		default: // blocked while dialling
			p.mu.Unlock()
			server.Close()
		}
	}
}

// gate returns the current channel of one of the proxy's gates.
func (p *Proxy) gate(g *chan struct{}) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return *g
}

func (p *Proxy) serve(client net.Conn) {
	l := p.connect(client)
	if l == nil {
		return
	}
	defer func() {
		l.close()
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	go func() {
		_, _ = io.Copy(l.server, l.client)
		l.close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			select {
			case <-p.gate(&p.resumed):
			case <-l.done:
				return
			}
			if _, err := l.client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
