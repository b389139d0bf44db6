// Package metrics is the figures /metrics exposes (docs/operations.md
// lists them): the hub's and its rooms', which count into them, and the
// Go runtime's.
package metrics

import (
	runtimemetrics "runtime/metrics"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Figures are one hub's figures, in a registry of their own, so that
// several hubs in one process (the tests) count apart. A transport adds
// its own to Registry (open websockets).
type Figures struct {
	Registry   *prometheus.Registry
	Sessions   prometheus.Gauge // sessions attached to a room
	Boards     prometheus.Gauge // rooms loaded on this instance
	OpsApplied prometheus.Counter
	Overflows  prometheus.Counter // sessions closed because their queue was full
	Refusals   *prometheus.CounterVec
	Latency    prometheus.Histogram
}

// New makes and registers a hub's figures.
func New() *Figures {
	m := &Figures{
		Registry: prometheus.NewRegistry(),
		Sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "plenary_sessions", Help: "Sessions attached to a board.",
		}),
		Boards: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "plenary_boards", Help: "Boards loaded on this instance.",
		}),
		OpsApplied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "plenary_ops_applied_total", Help: "Ops applied to boards on this instance.",
		}),
		Overflows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "plenary_send_queue_overflows_total", Help: "Sessions closed because their send queue was full.",
		}),
		Refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plenary_ops_refused_total", Help: "Ops and frames refused, by error code.",
		}, []string{"code"}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "plenary_broadcast_seconds",
			Help:    "From an op reaching a server to its change queued for every client here.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}),
	}
	m.Registry.MustRegister(m.Sessions, m.Boards, m.OpsApplied, m.Overflows, m.Refusals, m.Latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, f := range runtimeFigures {
		m.Registry.MustRegister(f.collector())
	}
	return m
}

// Refused counts a refusal of an op or frame by its error code.
func (m *Figures) Refused(code string) {
	m.Refusals.WithLabelValues(code).Inc()
}

// runtimeFigure is a figure of the Go runtime that /metrics passes on
// under a name of its own. On a busy server how often the collector runs,
// and what it costs, decide the slowest changes (docs/operations.md,
// "Memory against latency"); Prometheus' Go collector has them only under
// longer names, which cmd/plenary-load and dashboards would have to learn.
type runtimeFigure struct {
	name, help, key string
	counter         bool
}

var runtimeFigures = []runtimeFigure{
	{"go_gc_cycles_total", "Garbage collections completed.", "/gc/cycles/total:gc-cycles", true},
	{"go_gc_cpu_seconds_total", "CPU time spent collecting garbage, as the runtime estimates it.", "/cpu/classes/gc/total:cpu-seconds", true},
	{"go_heap_live_bytes", "Heap memory the last collection found in use.", "/gc/heap/live:bytes", false},
}

func (f runtimeFigure) collector() prometheus.Collector {
	read := func() float64 {
		s := []runtimemetrics.Sample{{Name: f.key}}
		runtimemetrics.Read(s)
		switch s[0].Value.Kind() {
		case runtimemetrics.KindUint64:
			return float64(s[0].Value.Uint64())
		case runtimemetrics.KindFloat64:
			return s[0].Value.Float64()
		}
		return 0 // not known to this Go release
	}
	if f.counter {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: f.name, Help: f.help}, read)
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: f.name, Help: f.help}, read)
}
