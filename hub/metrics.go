package hub

import (
	runtimemetrics "runtime/metrics"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/plenary/plenary/hub/room"
)

// newMetrics is the registry of the figures /metrics exposes: the rooms'
// (docs/operations.md lists them all), and the Go runtime's. Each hub has
// its own registry, so that several hubs in one process (the tests) count
// apart.
func newMetrics(rooms *room.Metrics) *prometheus.Registry {
	registry := prometheus.NewRegistry()
	registry.MustRegister(rooms.Collectors()...)
	registry.MustRegister(collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, f := range runtimeFigures {
		registry.MustRegister(f.collector())
	}
	return registry
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
