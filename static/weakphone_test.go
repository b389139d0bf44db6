package static_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// weakPhone is a phone on a poor mobile link, as Chromium emulates it:
// 300 ms round trips and 256 kbit/s.
var weakPhone = &network.Conditions{Latency: 300, DownloadThroughput: 32_000, UploadThroughput: 32_000}

// arrivalClock stamps, on the wall clock the test shares with the page
// (one machine), when each change frame reaches the page's socket, and
// when each note whose text is "stamp-N" first appears in the page.
const arrivalClock = `(() => {
  window.arrived_ = {};
  window.drawn_ = {};
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const now = Date.now();
        for (const line of e.data.split('\n')) {
          if (!line.startsWith('{"t":"chg"')) continue;
          const seq = JSON.parse(line).seq;
          if (!(seq in window.arrived_)) window.arrived_[seq] = now;
        }
      });
    }
  };
  const seen = (text) => {
    const now = Date.now();
    for (const m of text.matchAll(/stamp-(\d+)/g)) if (!(m[1] in window.drawn_)) window.drawn_[m[1]] = now;
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') seen(r.target.data);
      for (const n of r.addedNodes) seen(n.textContent || '');
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
})()`

// BenchmarkWeakPhone measures how soon a phone on a weak link (256
// kbit/s, 300 ms round trips, 390x844) sees the board change while 20
// participants cluster a 200-note board: each drags a note of their own,
// 20 positions a second (the most the server passes on), and moves
// another every second; the facilitator adds a note every half second.
// From each op's acknowledgement at its sender until the phone, on the
// wall clock the page and the test share:
//
//   - ms-p50/p95-arrived: every logged change, until its frame reaches
//     the phone's socket;
//   - ms-p95-drawn: each added note, until its text is in the page;
//   - missing: logged changes that never arrived.
//
// Run it with `go test -run '^$' -bench WeakPhone -benchtime 1x ./static`.
func BenchmarkWeakPhone(b *testing.B) {
	const (
		notes    = 200
		draggers = 20
		activity = 20 * time.Second
	)
	srv := startServer(b)
	facilitatorURL := createBoard(b, srv.URL, notes)
	code, token, _ := strings.Cut(strings.TrimPrefix(facilitatorURL, srv.URL+"/b/"), "#key=")
	browser := startBrowser(b)
	dial := func(h client.Hello) *client.Client {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		c, err := client.Dial(ctx, srv.URL, h, client.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		return c
	}
	fac := dial(client.Hello{Board: code, Token: token})
	noteIDs := slices.Sorted(func(yield func(string) bool) {
		for id := range fac.Replica()["note"] {
			if !yield(id) {
				return
			}
		}
	})
	room := make([]*client.Client, draggers)
	for i := range room {
		room[i] = dial(client.Hello{Board: code, Join: &client.Join{Name: fmt.Sprintf("P%d", i), Role: board.CivilSociety}})
	}
	phoneToken := dial(client.Hello{Board: code, Join: &client.Join{Name: "Phone", Role: board.CivilServant}}).Token

	var arrived, drawn []float64
	missing := 0
	stamp := 0
	for b.Loop() {
		p := newPage(b, browser, "weak phone", 390, 844, true)
		p.emulateNetwork(weakPhone)
		p.beforeScripts(arrivalClock)
		p.do(chromedp.Navigate(srv.URL + "/b/" + code + "#key=" + phoneToken))
		p.allNotesAt(len(fac.Replica()["note"]))

		var mu sync.Mutex
		acked := map[uint64]time.Time{}   // seq → when its sender had the ack
		stamped := map[string]time.Time{} // stamp → when its sender had the ack
		ack := func(f client.Frame, err error) {
			if err == nil && f.T == "chg" {
				mu.Lock()
				acked[f.Seq] = time.Now()
				mu.Unlock()
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), activity)
		var wg sync.WaitGroup
		for i, c := range room {
			wg.Go(func() {
				dragged, moved := noteIDs[i], noteIDs[draggers+i]
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for n := 0; ; n++ {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
					}
					x := 0.5 + 0.4*math.Sin(float64(n)/10)
					_ = c.Ephemeral(ctx, "drag", dragged, x, 0.5)
					if n%20 == i%20 {
						y := 0.1 + 0.8*float64(n%100)/100
						ack(c.Do(ctx, board.Op{Kind: board.NoteMove, Note: moved, X: &x, Y: &y}))
					}
				}
			})
		}
		wg.Go(func() {
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				stamp++
				at := 0.5
				f, err := fac.Do(ctx, board.Op{Kind: board.NoteAdd, Chart: "g1", Text: "stamp-" + strconv.Itoa(stamp), X: &at, Y: &at})
				ack(f, err)
				if err == nil {
					mu.Lock()
					stamped[strconv.Itoa(stamp)] = time.Now()
					mu.Unlock()
				}
			}
		})
		wg.Wait()
		cancel()

		last := fac.Seq()
		waitCtx, waitCancel := context.WithTimeout(p.ctx, time.Minute)
		_, _ = chromedp.Run(waitCtx, chromedp.Poll[bool](fmt.Sprintf(`%d in window.arrived_`, last), chromedp.WithPollingInterval(100*time.Millisecond)))
		waitCancel()
		pageArrived := eval[map[string]float64](p, `window.arrived_`)
		pageDrawn := eval[map[string]float64](p, `window.drawn_`)
		for seq, at := range acked {
			got, ok := pageArrived[strconv.FormatUint(seq, 10)]
			if !ok {
				missing++
				continue
			}
			arrived = append(arrived, got-float64(at.UnixNano())/1e6)
		}
		for s, at := range stamped {
			if got, ok := pageDrawn[s]; ok {
				drawn = append(drawn, got-float64(at.UnixNano())/1e6)
			}
		}
		p.close()
	}
	b.ReportMetric(median(arrived), "ms-p50-arrived")
	b.ReportMetric(percentile(arrived, 0.95), "ms-p95-arrived")
	b.ReportMetric(percentile(drawn, 0.95), "ms-p95-drawn")
	b.ReportMetric(float64(len(arrived)), "changes")
	b.ReportMetric(float64(missing), "missing")
}
