package hub

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the counters /metrics exposes in Prometheus' text format.
// They are written by many goroutines, so each is atomic or locked.
type metrics struct {
	connections atomic.Int64 // open websockets
	sessions    atomic.Int64 // sessions attached to a room
	boards      atomic.Int64 // rooms loaded on this instance
	opsApplied  atomic.Uint64
	overflows   atomic.Uint64 // sessions closed because their queue was full
	latency     *histogram

	mu      sync.Mutex
	refusal map[string]uint64 // by error code
}

func newMetrics() *metrics {
	return &metrics{
		latency: newHistogram([]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}),
		refusal: map[string]uint64{},
	}
}

func (m *metrics) refused(code string) {
	m.mu.Lock()
	m.refusal[code]++
	m.mu.Unlock()
}

func (m *metrics) write(w io.Writer) {
	gauge := func(name, help string, v int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	counter := func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	gauge("plenary_connections", "Open websocket connections.", m.connections.Load())
	gauge("plenary_sessions", "Sessions attached to a board.", m.sessions.Load())
	gauge("plenary_boards", "Boards loaded on this instance.", m.boards.Load())
	counter("plenary_ops_applied_total", "Ops applied to boards on this instance.", m.opsApplied.Load())
	counter("plenary_send_queue_overflows_total", "Sessions closed because their send queue was full.", m.overflows.Load())

	m.mu.Lock()
	codes := make([]string, 0, len(m.refusal))
	for code := range m.refusal {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	fmt.Fprintf(w, "# HELP plenary_ops_refused_total Ops and frames refused, by error code.\n# TYPE plenary_ops_refused_total counter\n")
	for _, code := range codes {
		fmt.Fprintf(w, "plenary_ops_refused_total{code=%q} %d\n", code, m.refusal[code])
	}
	m.mu.Unlock()

	m.latency.write(w, "plenary_broadcast_seconds", "From an op reaching a server to its change queued for every client here.")
}

// histogram is a Prometheus histogram with fixed buckets.
type histogram struct {
	bounds []float64
	counts []atomic.Uint64 // one per bound, plus +Inf
	sum    atomic.Uint64   // microseconds
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i, _ := slices.BinarySearch(h.bounds, s)
	h.counts[i].Add(1)
	h.sum.Add(uint64(max(d.Microseconds(), 0)))
}

func (h *histogram) write(w io.Writer, name, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cumulative uint64
	for i, b := range h.bounds {
		cumulative += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket{le=\"%g\"} %d\n", name, b, cumulative)
	}
	cumulative += h.counts[len(h.bounds)].Load()
	fmt.Fprintf(w, "%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, cumulative, name, float64(h.sum.Load())/1e6, name, cumulative)
}
