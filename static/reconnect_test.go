package static_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestReconnect: a participant whose link drops sees that it did and can
// still act; once the link is back the page reconnects on its own, gets
// what the room did meanwhile, and sends what they did: both reach the
// board, once each.
func TestReconnect(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	link := newLink(t, srv.Listener.Addr().String())
	p, code, token := facilitatorPage(t, link.url, "on a train")

	link.cut()
	p.waitFor("the page to say the link dropped", `document.querySelector('.conn').dataset.state === 'reconnecting'`)
	p.click(".cluster .new-theme")
	p.waitText(".conn", "1 waiting to be sent")

	// Meanwhile the room goes on, on a link of its own.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	room, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer room.Close()
	at := 0.6
	if f, err := room.Do(ctx, board.Op{Kind: board.ThemeCreate, Name: "From the room", X: &at, Y: &at}); err != nil {
		t.Fatalf("a theme from the room: %+v, %v", f, err)
	}

	link.mend()
	p.waitFor("connected again", `document.querySelector('.conn').dataset.state === 'connected'`)
	p.waitFor("both themes on the canvas", `document.querySelectorAll('.cluster section.theme').length === 2 && [...document.querySelectorAll('.cluster .theme-name')].some((e) => e.textContent === 'From the room')`)
	if got := eval[string](p, `document.querySelector('.conn').textContent`); strings.Contains(got, "waiting") {
		t.Fatalf("after reconnecting the page still says %q", got)
	}
	// The page has nothing left to send; an op from the room now comes
	// after whatever it sent in the log, and the room has it all once the
	// op is answered.
	if f, err := room.Do(ctx, board.Op{Kind: board.BoardEdit, Title: "After the tunnel", Prompt: "What could we do together?"}); err != nil {
		t.Fatalf("an op from the room: %+v, %v", f, err)
	}
	if themes := len(room.Replica()["theme"]); themes != 2 {
		t.Fatalf("the board has %d themes, want 2: the one made offline was lost or sent twice", themes)
	}
	p.checkNoExceptions()
}

// facilitatorPage opens a new board of five notes in cluster, served at
// base, as its facilitator, and waits until the page is connected. It
// returns the board's code and the facilitator's token.
func facilitatorPage(t *testing.T, base, name string) (p *page, code, token string) {
	t.Helper()
	facilitatorURL := createBoard(t, base, 5)
	code, token, _ = strings.Cut(strings.TrimPrefix(facilitatorURL, base+"/b/"), "#key=")
	p = newPage(t, startBrowser(t), name, 1280, 800, false)
	p.do(chromedp.Navigate(facilitatorURL))
	p.allNotesAt(5)
	p.waitFor("connected", `document.querySelector('.conn').dataset.state === 'connected'`)
	return p, code, token
}

// link is a TCP proxy between the browser and the server that a test can
// cut, as a tunnel cuts a phone's connection: every connection through it
// drops, and new ones are refused until it is mended.
type link struct {
	url    string
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func newLink(t *testing.T, target string) *link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &link{url: "http://" + ln.Addr().String(), ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go l.serve()
	t.Cleanup(func() {
		ln.Close()
		l.cut()
	})
	return l
}

func (l *link) serve() {
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", l.target)
		if err != nil {
			in.Close()
			continue
		}
		l.mu.Lock()
		if l.down {
			l.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		l.conns[in], l.conns[out] = struct{}{}, struct{}{}
		l.mu.Unlock()
		go l.pipe(in, out)
		go l.pipe(out, in)
	}
}

// pipe copies one way until either side closes, then closes both.
func (l *link) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	l.mu.Lock()
	delete(l.conns, dst)
	delete(l.conns, src)
	l.mu.Unlock()
	dst.Close()
	src.Close()
}

func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for c := range l.conns {
		c.Close()
	}
	clear(l.conns)
}

func (l *link) mend() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
}
