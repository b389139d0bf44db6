package room

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the figures the rooms and their sessions count into; the
// hub registers them with its own (docs/operations.md lists them all).
type Metrics struct {
	sessions   prometheus.Gauge // sessions attached to a room
	boards     prometheus.Gauge // rooms loaded on this instance
	opsApplied prometheus.Counter
	overflows  prometheus.Counter // sessions closed because their queue was full
	refusals   *prometheus.CounterVec
	latency    prometheus.Histogram
}

// NewMetrics makes the rooms' figures, for one hub: several hubs in one
// process (the tests) count apart.
func NewMetrics() *Metrics {
	return &Metrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "plenary_sessions", Help: "Sessions attached to a board.",
		}),
		boards: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "plenary_boards", Help: "Boards loaded on this instance.",
		}),
		opsApplied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "plenary_ops_applied_total", Help: "Ops applied to boards on this instance.",
		}),
		overflows: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "plenary_send_queue_overflows_total", Help: "Sessions closed because their send queue was full.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plenary_ops_refused_total", Help: "Ops and frames refused, by error code.",
		}, []string{"code"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "plenary_broadcast_seconds",
			Help:    "From an op reaching a server to its change queued for every client here.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}),
	}
}

// Collectors are the figures, for the hub's registry.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.sessions, m.boards, m.opsApplied, m.overflows, m.refusals, m.latency}
}

func (m *Metrics) refused(code string) {
	m.refusals.WithLabelValues(code).Inc()
}
