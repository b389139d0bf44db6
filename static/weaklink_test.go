package static_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// workshopNotes is a breakout round's worth of notes: the seed
// workshop's room of 30, a handful of ideas each.
const workshopNotes = 40

// weakLink is a remote participant's connection, as Chromium emulates
// it: 300 ms each way and 400 kbit/s.
var weakLink = &network.Conditions{Latency: 300, DownloadThroughput: 50_000, UploadThroughput: 50_000}

// BenchmarkWeakLink measures what a remote participant on a weak link
// waits for, on a link emulated at 300 ms each way and 400 kbit/s, with a
// board in the cluster phase of 40 notes (a workshop's), 200 and 1,000,
// until every note is on the canvas and drawn, in milliseconds on the
// page's clock:
//
//   - open: its link opened in a fresh browser. The page and the app's
//     modules are most of what crosses the link;
//   - revisit: its link opened again in a browser that has opened it
//     before, so it has the app's files (and asks whether they changed)
//     but not the board;
//   - reload: the same page reloaded, as a phone does when it brings a
//     tab back;
//   - join: a newcomer's join link, from the press of Join on its form.
//
// kB-board is what the board's state cost on the wire in the last run:
// the HTTP snapshot's and join's bytes as received, and the socket's
// frames'.
//
// Run it with `go test -run '^$' -bench WeakLink -benchtime 10x ./static`.
func BenchmarkWeakLink(b *testing.B) {
	srv := startServer(b)
	browser := startBrowser(b)

	for _, notes := range []int{workshopNotes, 200, 1000} {
		link := createBoard(b, srv.URL, notes)
		code, _, _ := strings.Cut(strings.TrimPrefix(link, srv.URL+"/b/"), "#key=")
		b.Run(fmt.Sprintf("notes-%d", notes), func(b *testing.B) {
			b.Run("open", func(b *testing.B) {
				var took []float64
				var wire *boardBytes
				for b.Loop() {
					p := newPage(b, browser, "weak", 1280, 800, false)
					p.emulateNetwork(weakLink)
					wire = p.countBoardBytes()
					p.do(chromedp.Navigate(link))
					took = append(took, p.allNotesAt(notes))
					p.close()
				}
				b.ReportMetric(median(took), "ms-drawn")
				b.ReportMetric(wire.kB(), "kB-board")
			})

			b.Run("revisit", func(b *testing.B) {
				p := newPage(b, browser, "weak, revisiting", 1280, 800, false)
				p.emulateNetwork(weakLink)
				p.do(chromedp.Navigate(link))
				p.allNotesAt(notes)
				var took []float64
				var wire *boardBytes
				for b.Loop() {
					p.do(chromedp.Navigate("about:blank"))
					wire = p.countBoardBytes()
					p.do(chromedp.Navigate(link))
					took = append(took, p.allNotesAt(notes))
				}
				b.ReportMetric(median(took), "ms-drawn")
				b.ReportMetric(wire.kB(), "kB-board")
			})

			b.Run("reload", func(b *testing.B) {
				p := newPage(b, browser, "weak, reloading", 1280, 800, false)
				p.emulateNetwork(weakLink)
				p.do(chromedp.Navigate(link))
				p.allNotesAt(notes)
				var took []float64
				for b.Loop() {
					p.do(chromedp.Reload())
					took = append(took, p.allNotesAt(notes))
				}
				b.ReportMetric(median(took), "ms-drawn")
			})

			b.Run("join", func(b *testing.B) {
				var took []float64
				var wire *boardBytes
				for b.Loop() {
					p := newPage(b, browser, "weak, joining", 1280, 800, false)
					p.emulateNetwork(weakLink)
					p.do(chromedp.Navigate(srv.URL + "/j/" + code))
					p.waitText(".join-form label", "Your name")
					p.typeInto("#name", "Remote")
					p.click(`input[value="civil-society"]`)
					wire = p.countBoardBytes()
					pressed := eval[float64](p, `performance.now()`)
					p.click(".join-button")
					took = append(took, p.allNotesAt(notes)-pressed)
					p.close()
				}
				b.ReportMetric(median(took), "ms-drawn")
				b.ReportMetric(wire.kB(), "kB-board")
			})
		})
	}
}

// boardBytes counts what a page is sent of the board's state: the
// snapshot endpoint's and the join's responses as they crossed the wire,
// and the payloads of the frames its sockets received.
type boardBytes struct {
	mu       sync.Mutex
	on       bool
	snapshot map[network.RequestID]bool
	n        float64
}

// countBoardBytes starts counting the page's board bytes afresh; the
// count of the previous call stops.
func (p *page) countBoardBytes() *boardBytes {
	p.t.Helper()
	if p.wire != nil {
		p.wire.mu.Lock()
		p.wire.on = false
		p.wire.mu.Unlock()
	}
	w := &boardBytes{on: true, snapshot: map[network.RequestID]bool{}}
	p.wire = w
	err := chromedp.Listen(p.ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.on {
			return
		}
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if strings.HasSuffix(ev.Request.URL, "/snapshot") || strings.Contains(ev.Request.URL, "/snapshot?") || strings.HasSuffix(ev.Request.URL, "/join") {
				w.snapshot[ev.RequestID] = true
			}
		case *network.EventLoadingFinished:
			if w.snapshot[ev.RequestID] {
				w.n += ev.EncodedDataLength
			}
		case *network.EventWebSocketFrameReceived:
			w.n += float64(len(ev.Response.PayloadData))
		}
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return w
}

func (w *boardBytes) kB() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n / 1000
}
