package static_test

import (
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
// workshop's board (40 notes, the cluster phase), until every note is on
// the canvas and drawn, in milliseconds on the page's clock:
//
//   - open: its link opened in a fresh browser. The page and the app's
//     modules are most of what crosses the link;
//   - reload: the same page reloaded, as a phone does when it brings a
//     tab back. The browser has every file and asks whether it changed.
//
// Run it with `go test -run '^$' -bench WeakLink -benchtime 10x ./static`.
func BenchmarkWeakLink(b *testing.B) {
	srv := startServer(b)
	link := createBoard(b, srv.URL, workshopNotes)
	browser := startBrowser(b)

	b.Run("open", func(b *testing.B) {
		var took []float64
		for b.Loop() {
			p := newPage(b, browser, "weak", 1280, 800, false)
			p.emulateNetwork(weakLink)
			p.do(chromedp.Navigate(link))
			took = append(took, p.allNotesAt(workshopNotes))
			p.close()
		}
		b.ReportMetric(median(took), "ms-drawn")
	})

	b.Run("reload", func(b *testing.B) {
		p := newPage(b, browser, "weak, reloading", 1280, 800, false)
		p.emulateNetwork(weakLink)
		p.do(chromedp.Navigate(link))
		p.allNotesAt(workshopNotes)
		var took []float64
		for b.Loop() {
			p.do(chromedp.Reload())
			took = append(took, p.allNotesAt(workshopNotes))
		}
		b.ReportMetric(median(took), "ms-drawn")
	})
}
