package static_test

import (
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// workshopNotes is a breakout round's worth of notes: the seed
// workshop's room of 30, a handful of ideas each.
const workshopNotes = 40

// BenchmarkWeakLink measures what a remote participant on a weak link
// waits for: from opening a workshop's board (40 notes, the cluster
// phase) in a fresh browser, on a link emulated at 300 ms each way and
// 400 kbit/s, until every note is on the canvas and drawn, in
// milliseconds on the page's clock. The page and the app's modules are
// most of what crosses the link.
//
// Run it with `go test -run '^$' -bench WeakLink -benchtime 10x ./static`.
func BenchmarkWeakLink(b *testing.B) {
	srv := startServer(b)
	link := createBoard(b, srv.URL, workshopNotes)
	browser := startBrowser(b)
	var took []float64
	for b.Loop() {
		p := newPage(b, browser, "weak", 1280, 800, false)
		p.emulateNetwork(&network.Conditions{Latency: 300, DownloadThroughput: 50_000, UploadThroughput: 50_000})
		p.do(chromedp.Navigate(link))
		took = append(took, p.allNotesAt(workshopNotes))
		p.close()
	}
	b.ReportMetric(median(took), "ms-drawn")
}
