package hub

import (
	"bytes"
	"fmt"
	"io"
	"os"
	runtimemetrics "runtime/metrics"
	"slices"
	"strconv"
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
	writeRuntime(w)
	if rss, ok := residentBytes(); ok {
		fmt.Fprintf(w, "# HELP process_resident_memory_bytes Resident memory of the process.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", rss)
	}
}

// runtimeFigures are the Go runtime's figures /metrics passes on. On a
// busy server how often the collector runs, and what it costs, decide the
// slowest changes (docs/operations.md, "Memory against latency").
var runtimeFigures = []struct{ name, kind, help, key string }{
	{"go_gc_cycles_total", "counter", "Garbage collections completed.", "/gc/cycles/total:gc-cycles"},
	{"go_gc_cpu_seconds_total", "counter", "CPU time spent collecting garbage, as the runtime estimates it.", "/cpu/classes/gc/total:cpu-seconds"},
	{"go_heap_live_bytes", "gauge", "Heap memory the last collection found in use.", "/gc/heap/live:bytes"},
	{"go_goroutines", "gauge", "Goroutines that exist.", "/sched/goroutines:goroutines"},
}

func writeRuntime(w io.Writer) {
	samples := make([]runtimemetrics.Sample, len(runtimeFigures))
	for i, f := range runtimeFigures {
		samples[i].Name = f.key
	}
	runtimemetrics.Read(samples)
	for i, f := range runtimeFigures {
		var v string
		switch samples[i].Value.Kind() {
		case runtimemetrics.KindUint64:
			v = strconv.FormatUint(samples[i].Value.Uint64(), 10)
		case runtimemetrics.KindFloat64:
			v = strconv.FormatFloat(samples[i].Value.Float64(), 'g', -1, 64)
		default:
			continue // not known to this Go release
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", f.name, f.help, f.name, f.kind, f.name, v)
	}
}

// residentBytes is the process's resident memory, from /proc on Linux,
// so that a load generator on another machine can tell what a
// connection costs; ok is false where there is no /proc.
func residentBytes() (uint64, bool) {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := bytes.Fields(statm)
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(string(fields[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
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
