package static_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// bigBoardNotes is the board design.md holds the app to: a thousand notes
// on the plenary canvas.
const bigBoardNotes = 1000

// BenchmarkBigBoard measures, in Debian's Chromium against the real hub on
// loopback, the figures design.md sets for a board of 1,000 notes, and
// how soon a participant on a weak link gets the board's socket:
//
//   - open: from a fresh browser opening the board's link (its own
//     profile, nothing cached) until the board's snapshot has arrived
//     (ms-snapshot: design.md's "snapshot to a fresh browser"), and until
//     every note is on the cluster canvas and drawn (ms-median and
//     ms-max: what the person opening it waits for). Both are read from
//     the page's own clock (performance.now, which starts at
//     navigation), on a page whose network events DevTools does not
//     follow: a participant's browser has no DevTools open, and following
//     them (the 253 KB snapshot included) made the page 20-30 ms slower;
//   - socket-weak: on an emulated weak link, from the page's request for
//     the link until it asks to open the board's socket;
//   - drag: the page's frames while a note is dragged across the canvas,
//     on the screen dragging and on one watching, from a
//     requestAnimationFrame loop in each.
//
// Run it with `go test -run '^$' -bench BigBoard ./static`.
func BenchmarkBigBoard(b *testing.B) {
	srv := startServer(b)
	link := createBoard(b, srv.URL, bigBoardNotes)
	browser := startBrowser(b)

	b.Run("open", func(b *testing.B) {
		var took, snapshots []float64
		for b.Loop() {
			p := newPage(b, browser, "fresh", 1400, 900, false)
			p.do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, t, network.Disable, cdp.Empty{})
				return chromedp.Void{}, err
			})
			p.beforeScripts(snapshotClock)
			p.do(chromedp.Navigate(link))
			took = append(took, p.allNotesAt(bigBoardNotes))
			snapshots = append(snapshots, eval[float64](p, `window.snapshotAt_`))
			p.close()
		}
		b.ReportMetric(median(snapshots), "ms-snapshot")
		b.ReportMetric(median(took), "ms-median")
		b.ReportMetric(slices.Max(took), "ms-max")
	})

	// A remote participant on a weak link: what the page fetches before
	// it opens the board's socket decides how long they wait for it.
	b.Run("socket-weak", func(b *testing.B) {
		var took []float64
		for b.Loop() {
			p := newPage(b, browser, "weak", 1400, 900, false)
			p.emulateNetwork(weakLink)
			opening := p.socketAsked()
			p.do(chromedp.Navigate(link))
			select {
			case ms := <-opening:
				took = append(took, ms)
			case <-time.After(waitTimeout):
				b.Fatal("the page did not open the board's socket")
			}
			p.close()
		}
		b.ReportMetric(median(took), "ms-to-socket")
	})

	b.Run("drag", func(b *testing.B) {
		dragger := newPage(b, browser, "dragger", 1400, 900, false)
		watcher := newPage(b, browser, "watcher", 1400, 900, false)
		for _, p := range []*page{dragger, watcher} {
			p.do(chromedp.Navigate(link))
			p.allNotesAt(bigBoardNotes)
		}
		var mine, theirs []float64
		for b.Loop() {
			for _, p := range []*page{dragger, watcher} {
				eval[bool](p, `(() => { const frames = []; window.frames_ = frames; const tick = (t) => { if (window.frames_ !== frames) return; frames.push(t); requestAnimationFrame(tick) }; requestAnimationFrame(tick); return true })()`)
			}
			dragger.dragAcross(`.cluster .note[data-note="n1"]`, 60)
			mine = append(mine, dragger.frameGaps()...)
			theirs = append(theirs, watcher.frameGaps()...)
		}
		b.ReportMetric(median(mine), "ms/frame-dragging")
		b.ReportMetric(percentile(mine, 0.99), "ms/frame-p99-dragging")
		b.ReportMetric(median(theirs), "ms/frame-watching")
		b.ReportMetric(percentile(theirs, 0.99), "ms/frame-p99-watching")
	})
}

// createBoard imports a board of that many notes over ten charts, moves
// it to the cluster phase, where every note is on one canvas, and returns
// the facilitator's link.
func createBoard(b testing.TB, base string, notes int) string {
	b.Helper()
	x := board.Export{Version: 1, Title: "A national conference", Prompt: "What could we do together?", Settings: board.DefaultSettings()}
	for g := 1; g <= 10; g++ {
		x.Groups = append(x.Groups, board.Group{ID: fmt.Sprintf("g%d", g), Name: fmt.Sprintf("Group %d", g)})
	}
	roles := []board.Role{board.CivilServant, board.CivilSociety}
	for i := 1; i <= notes; i++ {
		x.Notes = append(x.Notes, board.Note{
			ID: fmt.Sprintf("n%d", i), Chart: fmt.Sprintf("g%d", 1+i%10), Role: roles[i%2],
			Text: fmt.Sprintf("Idea %d: one shared calendar of outreach visits in district %d", i, i%37),
			X:    float64(i%10) / 10, Y: float64(i/10%10) / 10,
		})
	}
	body, err := json.Marshal(map[string]any{"import": x})
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.Post(base+"/api/boards", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		ID             string `json:"id"`
		FacilitatorURL string `json:"facilitatorUrl"`
	}
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		b.Fatalf("create the board: %s: %s", resp.Status, msg)
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		b.Fatal(err)
	}
	_, token, _ := strings.Cut(created.FacilitatorURL, "#key=")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := client.Dial(ctx, base, client.Hello{Board: created.ID, Token: token}, client.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if f, err := c.Do(ctx, board.Op{Kind: board.PhaseSet, Phase: board.Cluster}); err != nil || f.T == "error" {
		b.Fatalf("move to cluster: %+v, %v", f, err)
	}
	return created.FacilitatorURL
}

// socketAsked reports, once the page has navigated and asked to open a
// websocket, how long after its request for the document that was, in
// milliseconds on the browser's clock.
func (p *page) socketAsked() <-chan float64 {
	p.t.Helper()
	came := make(chan float64, 1)
	var asked cdp.MonotonicTime
	var once sync.Once
	if err := chromedp.Listen(p.ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if ev.Type == network.ResourceTypeDocument && asked == 0 {
				asked = ev.Timestamp
			}
		case *network.EventWebSocketWillSendHandshakeRequest:
			if asked != 0 {
				once.Do(func() { came <- 1000 * (ev.Timestamp.Float64() - asked.Float64()) })
			}
		}
	}); err != nil {
		p.t.Fatal(err)
	}
	return came
}

// snapshotClock stamps, on the page's clock, when the board's socket
// first receives the snapshot, before the app's own handler sees it. The
// server may send the snapshot in one message with the welcome, a frame a
// line.
const snapshotClock = `(() => {
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if (window.snapshotAt_ === undefined && typeof e.data === 'string' &&
            (e.data.startsWith('{"t":"snap"') || e.data.includes('\n{"t":"snap"'))) window.snapshotAt_ = performance.now();
      });
    }
  };
})()`

// allNotesAt waits until n notes are on the cluster canvas and drawn,
// and returns when that was on the page's clock, in milliseconds since it
// began to navigate. The page checks on every change to its DOM; once
// every note is there it stamps the time after the next frame, so the
// time includes laying the canvas out and painting it, and is the page's
// own, not when this process next looked.
func (p *page) allNotesAt(n int) float64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	all := fmt.Sprintf(`document.querySelectorAll('.cluster .note').length >= %d`, n)
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](
		all+` && Boolean(window.stamping_ || (window.stamping_ = true, requestAnimationFrame(() => setTimeout(() => { window.shown_ = performance.now() }))))`,
		chromedp.WithPollingMutation()))
	var at float64
	if err == nil {
		at, err = chromedp.Run(ctx, chromedp.Poll[float64](`window.shown_`, chromedp.WithPollingInterval(5*time.Millisecond)))
	}
	if err != nil {
		p.t.Fatalf("%s: waiting for %d notes: %v (%d shown)", p.name, n, err,
			eval[int](p, `document.querySelectorAll('.cluster .note').length`))
	}
	return at
}

// dragAcross drags the element across the canvas in steps, one every
// 16 ms, as a hand on a mouse does.
func (p *page) dragAcross(selector string, steps int) {
	p.t.Helper()
	from := p.center(selector)
	p.mouse(input.DispatchMouseEventTypeMousePressed, from)
	for i := 1; i <= steps; i++ {
		p.mouse(input.DispatchMouseEventTypeMouseMoved, point{from.X + 600*float64(i)/float64(steps), from.Y + 200*float64(i)/float64(steps)})
		time.Sleep(16 * time.Millisecond)
	}
	p.mouse(input.DispatchMouseEventTypeMouseReleased, point{from.X + 600, from.Y + 200})
}

// frameGaps stops the page's frame loop and returns the time between its
// frames, in milliseconds.
func (p *page) frameGaps() []float64 {
	p.t.Helper()
	times := eval[[]float64](p, `(() => { const f = window.frames_; window.frames_ = null; return f })()`)
	gaps := make([]float64, 0, len(times))
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i]-times[i-1])
	}
	if len(gaps) < 10 {
		p.t.Fatalf("%s: only %d frames during the drag", p.name, len(times))
	}
	return gaps
}

func median(xs []float64) float64 { return percentile(xs, 0.5) }

// percentile is the p-th of xs, which it sorts.
func percentile(xs []float64, p float64) float64 {
	slices.Sort(xs)
	return xs[min(len(xs)-1, int(p*float64(len(xs))))]
}
