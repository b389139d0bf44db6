package static_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
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
	p.press(".cluster .new-theme")
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
// break as a phone's connection breaks: cut, as in a tunnel, where every
// connection through it drops and new ones are refused; stalled, as with a
// dead signal, where nothing crosses it and nothing is closed either,
// until it is mended and what it held goes on; or with websockets refused
// while pages still load.
type link struct {
	url    string
	ln     net.Listener
	target string

	mu       sync.Mutex
	flows    *sync.Cond // broadcast when stalled turns false
	down     bool
	stalled  bool
	noSocket bool
	conns    map[net.Conn]struct{}
}

func newLink(t testing.TB, target string) *link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &link{url: "http://" + ln.Addr().String(), ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	l.flows = sync.NewCond(&l.mu)
	go l.serve()
	t.Cleanup(func() {
		ln.Close()
		l.cut()
		l.mend()
	})
	return l
}

func (l *link) serve() {
	for {
		in, err := l.ln.Accept()
		if err != nil {
			return
		}
		go l.carry(in)
	}
}

// carry connects in to the server once the link lets it, and copies both
// ways.
func (l *link) carry(in net.Conn) {
	l.waitFlowing()
	src := bufio.NewReader(in)
	// A websocket's first line is "GET /ws HTTP/1.1"; pages ask for others.
	first, _ := src.Peek(len("GET /ws "))
	l.mu.Lock()
	refused := l.down || (l.noSocket && string(first) == "GET /ws ")
	l.mu.Unlock()
	if refused {
		in.Close()
		return
	}
	out, err := net.Dial("tcp", l.target)
	if err != nil {
		in.Close()
		return
	}
	l.mu.Lock()
	l.conns[in], l.conns[out] = struct{}{}, struct{}{}
	l.mu.Unlock()
	go l.pipe(out, src, in)
	go l.pipe(in, out, out)
}

// waitFlowing returns once the link is not stalled.
func (l *link) waitFlowing() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.stalled {
		l.flows.Wait()
	}
}

// pipe copies from src (read from conn) to dst, holding what it read while
// the link is stalled, until either side closes; then it closes both.
func (l *link) pipe(dst net.Conn, src io.Reader, conn net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			l.waitFlowing()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	l.mu.Lock()
	delete(l.conns, dst)
	delete(l.conns, conn)
	l.mu.Unlock()
	dst.Close()
	conn.Close()
}

// cut drops every connection and refuses new ones at once; a stalled link
// that is cut holds nothing more.
func (l *link) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down, l.stalled = true, false
	l.flows.Broadcast()
	for c := range l.conns {
		c.Close()
	}
	clear(l.conns)
}

// stall stops every byte, on every connection and on new ones, and
// closes nothing.
func (l *link) stall() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stalled = true
}

// refuseSockets closes new websockets at once, or stops doing so.
func (l *link) refuseSockets(refuse bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.noSocket = refuse
}

func (l *link) mend() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down, l.stalled = false, false
	l.flows.Broadcast()
}

// TestDeadLink: a participant whose link goes dead without closing, as a
// phone's does out of signal, is told within seconds, not when the socket
// notices, and sees what they write meanwhile in place, marked, and
// counted. A reload with no network at all keeps it; once pages load
// again, on a link that still carries no websocket, it is sent over the
// fallback, and every screen shows it once.
func TestDeadLink(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	link := newLink(t, srv.Listener.Addr().String())
	res, err := http.Post(srv.URL+"/api/boards", "application/json", strings.NewReader(`{"title":"Out of signal","prompt":"What could we do together?"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID, FacilitatorURL string }
	err = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	code := created.ID
	_, token, _ := strings.Cut(created.FacilitatorURL, "#key=")
	// Each exchange of the facilitator's is bounded, not the test, which
	// takes minutes on a busy machine.
	within := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		t.Cleanup(cancel)
		return ctx
	}
	fac, err := client.Dial(within(), srv.URL, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()

	browser := startBrowser(t)
	ana := newPage(t, browser, "Ana, on the phone", 390, 844, true)
	ben := newPage(t, browser, "Ben, on the Wi-Fi", 1280, 800, false)
	ana.join(link.url+"/j/"+code, "Ana", "civil-servant")
	ben.join(srv.URL+"/j/"+code, "Ben", "civil-society")
	if f, err := fac.Do(within(), board.Op{Kind: board.GroupsForm}); err != nil || f.T != "chg" {
		t.Fatalf("form the groups: %+v, %v", f, err)
	}
	for _, p := range []*page{ana, ben} {
		p.waitFor("the group's chart", `document.querySelector('.add-note')`)
	}
	ana.addNote("Before the signal went")
	ben.waitText(".note .note-text", "Before the signal went")

	const idea = "Written with no signal"
	shown := func(text string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('.note[data-note] .note-text')].filter((e) => e.textContent === %s).length`, js(text))
	}
	link.stall()
	stalled := time.Now()
	ana.typeInto(".add-text", idea)
	ana.click(".add-note button[type=submit]")
	ana.waitWithin("the page to say the link is down", `document.querySelector('.conn').dataset.state !== 'connected'`, 20*time.Second)
	t.Logf("the page said the link was down %.1f s after it stalled", time.Since(stalled).Seconds())
	ana.waitText(".conn", "1 waiting to be sent")
	ana.waitFor("the note in its chart, marked as waiting", fmt.Sprintf(
		`[...document.querySelectorAll('.chart .note.pending')].some((n) => n.querySelector('.note-text').textContent === %s && n.querySelector('.note-pending').textContent === 'Waiting to be sent')`, js(idea)))
	if n := eval[int](ben, shown(idea)); n != 0 {
		t.Fatalf("Ben sees the note %d times while Ana's link is dead", n)
	}

	// No network at all, not even for pages: the app's service worker
	// opens the reloaded page from what it kept, and the page keeps the
	// note and says it waits (the board itself is not kept, so the note
	// is counted, not drawn).
	ana.waitFor("the app's files kept for a reload with no network", `(caches.match('/').then((kept) => { window.keptApp = Boolean(kept); }), window.keptApp === true)`)
	link.cut()
	ana.do(chromedp.Reload())
	ana.waitText(".conn", "1 waiting to be sent")

	// Pages load again, websockets do not: the page goes over the
	// fallback and sends the note.
	link.refuseSockets(true)
	link.mend()
	ana.do(chromedp.Reload())
	ana.waitWithin("connected again, over the fallback", `document.querySelector('.conn').dataset.state === 'connected' && document.querySelector('.conn').dataset.transport === 'fallback'`, 30*time.Second)
	link.refuseSockets(false)
	for _, p := range []*page{ana, ben} {
		p.waitFor("the note once, and nothing waiting", shown(idea)+` === 1 && !document.querySelector('.note.pending')`)
	}
	ana.waitFor("nothing left to send", `localStorage.getItem('plenary:outbox:`+code+`') === null`)
	if f, err := fac.Do(within(), board.Op{Kind: board.BoardEdit, Title: "Back in signal", Prompt: "What could we do together?"}); err != nil || f.T != "chg" {
		t.Fatalf("an op from the facilitator: %+v, %v", f, err)
	}
	texts := map[string]int{}
	for _, raw := range fac.Replica()["note"] {
		var n board.Note
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		texts[n.Text]++
	}
	if texts[idea] != 1 || len(texts) != 2 {
		t.Fatalf("the board's notes are %v; want each once", texts)
	}
	ana.checkNoExceptions()
	ben.checkNoExceptions()
}

// TestOfflineEmulation: Chromium's own offline switch, as DevTools flips
// it. The page says it is offline, keeps what is done meanwhile, and is
// connected again within seconds of the switch going back, whether or
// not the socket it had noticed.
func TestOfflineEmulation(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	p, _, _ := facilitatorPage(t, srv.URL, "offline in DevTools")

	p.offline(true)
	went := time.Now()
	p.waitWithin("the page to say it is offline", `document.querySelector('.conn').dataset.state === 'offline'`, 20*time.Second)
	t.Logf("offline shown %.1f s after the switch", time.Since(went).Seconds())
	p.press(".cluster .new-theme")
	p.waitText(".conn", "1 waiting to be sent")

	p.offline(false)
	back := time.Now()
	p.waitWithin("connected again", `document.querySelector('.conn').dataset.state === 'connected'`, 20*time.Second)
	t.Logf("connected %.1f s after the switch went back", time.Since(back).Seconds())
	p.waitFor("the theme made offline, on the canvas", `document.querySelectorAll('.cluster section.theme').length === 1 && !document.querySelector('.conn').textContent.includes('waiting')`)
	p.checkNoExceptions()
}

// offline flips Chromium's own offline switch for the page, as DevTools
// does: its requests fail, its sockets drop and the browser says it has
// no network (navigator.onLine and the offline event), or all comes back.
func (p *page) offline(off bool) {
	p.t.Helper()
	p.do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: off}}})
		if err != nil {
			return chromedp.Void{}, err
		}
		_, err = cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return chromedp.Void{}, err
	})
}
