package static_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// A government network's proxy, in front of the server: it answers
// websocket upgrades with 403 (refuse), or lets the handshake through and
// then drops the connection (cut); buffered, it also holds every response
// until it has 64 KiB of it or the response ends.
type proxyMode struct {
	cut, buffered bool
	// sockets, when set, lets websockets through while it holds true.
	sockets *atomic.Bool
}

// bufferedBytes is how much a buffering proxy holds before passing a
// response on.
const bufferedBytes = 64 << 10

func newProxy(t *testing.T, target string, mode proxyMode) string {
	t.Helper()
	to, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{DisableCompression: true}
	t.Cleanup(transport.CloseIdleConnections)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			switch {
			case mode.sockets != nil && mode.sockets.Load():
				passSocket(w, r, to.Host, true)
			case mode.cut:
				passSocket(w, r, to.Host, false)
			default:
				http.Error(w, "websockets are not allowed here", http.StatusForbidden)
			}
			return
		}
		out := r.Clone(r.Context())
		// The Host goes on as the browser sent it, as a load balancer's
		// should (docs/operations.md): the server checks origins by it.
		out.URL.Scheme, out.URL.Host, out.RequestURI = to.Scheme, to.Host, ""
		res, err := transport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		var held bytes.Buffer
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			held.Write(buf[:n])
			if !mode.buffered || held.Len() >= bufferedBytes {
				if _, werr := w.Write(held.Bytes()); werr != nil {
					return
				}
				held.Reset()
				http.NewResponseController(w).Flush()
			}
			if err != nil {
				w.Write(held.Bytes())
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// passSocket passes a websocket's handshake on, and its answer back;
// then it carries the websocket both ways (keep), or drops it.
func passSocket(w http.ResponseWriter, r *http.Request, target string, keep bool) {
	in, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer in.Close()
	out, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer out.Close()
	if r.Write(out) != nil {
		return
	}
	answer := bufio.NewReader(out)
	res, err := http.ReadResponse(answer, r)
	if err != nil || res.Write(in) != nil || !keep {
		return
	}
	go func() {
		_, _ = io.Copy(out, in)
		out.Close()
	}()
	_, _ = io.Copy(in, answer)
}

// mixedRoom is a board whose facilitator is a websocket client, and the
// pages of people joined through whatever each one's network allows.
func mixedRoom(t *testing.T, base string) (code string, fac *client.Client) {
	t.Helper()
	res, err := http.Post(base+"/api/boards", "application/json", strings.NewReader(`{"title":"Behind the ministry's proxy","prompt":"What could we do together?"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID, FacilitatorURL string }
	err = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, token, _ := strings.Cut(created.FacilitatorURL, "#key=")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	fac, err = client.Dial(ctx, base, client.Hello{Board: created.ID, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fac.Close() })
	return created.ID, fac
}

func facDo(t *testing.T, fac *client.Client, op board.Op) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if f, err := fac.Do(ctx, op); err != nil || f.T != "chg" {
		t.Fatalf("%s: %+v, %v", op.Kind, f, err)
	}
}

// onTransport waits until p's status line says the session goes over
// transport.
func (p *page) onTransport(transport string) {
	p.t.Helper()
	p.waitFor("the session on "+transport, fmt.Sprintf(`document.querySelector('.conn').dataset.state === 'connected' && document.querySelector('.conn').dataset.transport === %s`, js(transport)))
}

// screenBoard is what a participant's screen shows of the board, in an
// order of its own: the phase, every note's text, and every discussion
// field's value.
const screenBoard = `JSON.stringify({
  phase: document.querySelector('.phase-name')?.textContent,
  notes: [...document.querySelectorAll('.note[data-note] .note-text')].map((e) => e.textContent).sort(),
  fields: [...document.querySelectorAll('.discussion textarea, .discussion input')].map((e) => e.value).sort(),
})`

// sameBoards waits until every page shows what the first one does.
func sameBoards(pages ...*page) {
	want := eval[string](pages[0], screenBoard)
	for _, p := range pages[1:] {
		p.waitFor("the board as "+pages[0].name+" sees it: "+want, screenBoard+` === `+js(want))
	}
}

// TestFallbackWorkshop: Ana's network refuses websockets and Cleo's cuts
// them once open; Ben's carries them. Each joins and works the room
// (notes, a vote, the discussion), without being asked anything, and
// every screen shows the same board.
func TestFallbackWorkshop(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	refusing := newProxy(t, srv.URL, proxyMode{})
	cutting := newProxy(t, srv.URL, proxyMode{cut: true})
	code, fac := mixedRoom(t, srv.URL)
	browser := startBrowser(t)
	ana := newPage(t, browser, "Ana, behind a proxy that refuses websockets", 1280, 800, false)
	ben := newPage(t, browser, "Ben, on websockets", 390, 844, true)
	cleo := newPage(t, browser, "Cleo, behind a proxy that cuts websockets", 1280, 800, false)
	joined := func(p *page, base, name, role, transport string) {
		t.Helper()
		began := time.Now()
		p.join(base+"/j/"+code, name, role)
		p.onTransport(transport)
		t.Logf("%s: joined and connected over the %s in %.1f s", p.name, transport, time.Since(began).Seconds())
	}
	joined(ana, refusing, "Ana", "civil-servant", "fallback")
	joined(ben, srv.URL, "Ben", "civil-society", "websocket")
	joined(cleo, cutting, "Cleo", "civil-servant", "fallback")
	ana.waitText(".conn", "compatibility mode")

	facDo(t, fac, board.Op{Kind: board.GroupsForm, Size: 3})
	people := []*page{ana, ben, cleo}
	for _, p := range people {
		p.waitFor("the group's chart", `document.querySelector('.add-note')`)
	}
	ana.addNote("Written through a proxy that refuses websockets")
	cleo.addNote("Written through a proxy that cuts websockets")
	ben.addNote("Written on a websocket")
	for _, p := range people {
		p.waitFor("three notes", `document.querySelectorAll('.note[data-note]:not(.pending)').length === 3`)
	}
	sameBoards(people...)

	for _, phase := range []board.Phase{board.Share, board.Cluster, board.Vote} {
		facDo(t, fac, board.Op{Kind: board.PhaseSet, Phase: phase})
	}
	for _, p := range []*page{ana, cleo} {
		p.waitFor("three items to vote on", `document.querySelectorAll('.vote-item').length === 3`)
		p.click(".vote-item .cast")
		p.waitFor("the dot cast", `document.querySelector('.vote-item.voted')`)
	}
	voted := func() bool {
		dots := 0
		for _, raw := range fac.Replica()["tally"] {
			var v board.Tally
			if json.Unmarshal(raw, &v) == nil {
				dots += v.Votes
			}
		}
		return dots == 2
	}
	if !waitUntil(voted) {
		t.Fatalf("the facilitator's board holds the tallies %s, want two dots", fac.Replica()["tally"])
	}

	facDo(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Discuss})
	for _, p := range people {
		p.waitFor("the top ideas", `document.querySelector('.discussion .field-owner')`)
	}
	ana.typeInto(".discussion .field-owner", "The clerk, with the cooperative")
	cleo.typeInto(".discussion .field-next", "A calendar by Friday")
	for _, p := range people {
		p.waitText(".discussion .field-owner", "The clerk, with the cooperative")
		p.waitText(".discussion .field-next", "A calendar by Friday")
	}
	sameBoards(people...)
	for _, p := range people {
		p.checkNoExceptions()
	}
}

// TestFallbackBufferingProxy: a proxy that refuses websockets and holds
// every response until 64 KiB or its end lets no event stream through;
// the page turns to long polls and its person works as the others do.
func TestFallbackBufferingProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	buffering := newProxy(t, srv.URL, proxyMode{buffered: true})
	code, fac := mixedRoom(t, srv.URL)
	browser := startBrowser(t)
	ana := newPage(t, browser, "Ana, behind a buffering proxy", 1280, 800, false)
	ben := newPage(t, browser, "Ben, on websockets", 1280, 800, false)
	began := time.Now()
	ana.join(buffering+"/j/"+code, "Ana", "civil-servant")
	ana.onTransport("fallback")
	t.Logf("joined and connected through the buffering proxy in %.1f s", time.Since(began).Seconds())
	ben.join(srv.URL+"/j/"+code, "Ben", "civil-society")

	facDo(t, fac, board.Op{Kind: board.GroupsForm, Size: 2})
	for _, p := range []*page{ana, ben} {
		p.waitFor("the group's chart", `document.querySelector('.add-note')`)
	}
	ana.addNote("Sent through the buffering proxy")
	ben.waitText(".note[data-note] .note-text", "Sent through the buffering proxy")
	began = time.Now()
	ben.addNote("Seen through the buffering proxy")
	ana.waitText(".note[data-note] .note-text", "Seen through the buffering proxy")
	t.Logf("a note added on a websocket reached the long-polling page in %.2f s", time.Since(began).Seconds())
	facDo(t, fac, board.Op{Kind: board.BoardEdit, Title: "Renamed while Ana polls", Prompt: "What could we do together?"})
	ana.waitText(".board-header", "Renamed while Ana polls")
	sameBoards(ana, ben)
	ana.checkNoExceptions()
}

// TestFallbackBackToWebsocket: a page on the fallback goes back to a
// websocket once one gets through, and works on.
func TestFallbackBackToWebsocket(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	var sockets atomic.Bool
	proxy := newProxy(t, srv.URL, proxyMode{sockets: &sockets})
	code, fac := mixedRoom(t, srv.URL)
	ana := newPage(t, startBrowser(t), "Ana, whose proxy lets websockets through later", 1280, 800, false)
	// The app tries a websocket again every two minutes; here, every
	// second.
	ana.beforeScripts(`{ const later = window.setTimeout; window.setTimeout = (fn, ms, ...args) => later(fn, ms === 120000 ? 1000 : ms, ...args); }`)
	ana.join(proxy+"/j/"+code, "Ana", "civil-servant")
	ana.onTransport("fallback")
	facDo(t, fac, board.Op{Kind: board.GroupsForm, Size: 2})
	ana.waitFor("the group's chart", `document.querySelector('.add-note')`)
	ana.addNote("On the fallback")

	sockets.Store(true)
	ana.onTransport("websocket")
	ana.addNote("Back on a websocket")
	if !waitUntil(func() bool {
		return noteWith(fac, "On the fallback") != "" && noteWith(fac, "Back on a websocket") != ""
	}) {
		t.Fatalf("the board's notes are %s", fac.Replica()["note"])
	}
	ana.waitFor("both notes, once each, nothing waiting", `document.querySelectorAll('.note[data-note]').length === 2 && !document.querySelector('.note.pending')`)
	ana.checkNoExceptions()
}

// waitUntil polls cond for as long as a page's wait.
func waitUntil(cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}
