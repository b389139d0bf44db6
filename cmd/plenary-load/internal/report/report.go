// Package report is what a load run measured, as it is printed: a table
// for a person and JSON for a file (BENCHMARKS.md's figures come from
// both).
package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
)

// Report is what a run measured. Counts and rates are over the measured
// window; latencies are of the ops sent inside it, each to every other
// screen of its board, however late it arrived.
type Report struct {
	Scenario string   `json:"scenario"`
	About    string   `json:"about"`
	Targets  []string `json:"targets"`
	Boards   int      `json:"boards"`
	PerBoard int      `json:"participantsPerBoard"`
	Rate     float64  `json:"rate,omitempty"`
	Writers  int      `json:"writers,omitempty"`
	Window   int      `json:"window,omitempty"`

	Connected       int            `json:"connected"`
	ConnectSeconds  float64        `json:"connectSeconds"`
	ConnectFailures map[string]int `json:"connectFailures,omitempty"`
	ConnectError    string         `json:"connectError,omitempty"`

	Seconds      float64           `json:"seconds"`
	OpsSent      uint64            `json:"opsSent"`
	OpsAcked     uint64            `json:"opsAcked"`
	OpsPerSecond float64           `json:"opsPerSecond"`
	Refused      map[string]uint64 `json:"refused"`
	// Skipped ops were planned but not sent: their senders had too many
	// unanswered.
	Skipped uint64 `json:"skipped"`

	// Deliveries are change frames received by screens, the sender's
	// own acknowledgement included.
	Deliveries          uint64  `json:"deliveries"`
	DeliveriesPerSecond float64 `json:"deliveriesPerSecond"`
	EphemeralSent       uint64  `json:"ephemeralSent"`
	EphemeralDelivered  uint64  `json:"ephemeralDelivered"`

	// OpToScreen runs to each change reaching a screen's socket, as the
	// kernel stamped it; OpToRead to this process reading it, which on a
	// shared core comes later the more screens there are.
	OpToScreen measure.Latency `json:"opToScreen"`
	OpToRead   measure.Latency `json:"opToRead"`
	Ack        measure.Latency `json:"ack"`
	// Unmatched are changes received whose op's send time never became
	// known; Unfinished are screens still behind when the run ended.
	Unmatched  uint64 `json:"unmatched"`
	Unfinished int    `json:"unfinished"`

	Dropped map[string]uint64 `json:"dropped"`
	// Reconnects counts screens back on a new socket after theirs
	// dropped, over the whole run: each said hello with its token and
	// the last seq it applied, and sent its unanswered ops again (Resent).
	// Resync runs from the drop to the screen being back in sync.
	Reconnects uint64          `json:"reconnects"`
	Resent     uint64          `json:"resent"`
	Resync     measure.Latency `json:"resync"`
	ServerCPU  *CPU            `json:"serverCpu,omitempty"`
	// LoadCores is the CPU this load generator used over the window,
	// in cores: near the cores it may use, it was the bottleneck.
	LoadCores float64 `json:"loadCores"`
	// LoadBusy is how busy this process's own cores were (softirq
	// included), in cores, when it and the server are pinned apart.
	LoadBusy float64 `json:"loadBusy,omitempty"`
	Memory   *Memory `json:"memory,omitempty"`
	// ServerGC is the servers' garbage collection over the window, from
	// their /metrics: on a busy server the collections are where the
	// slowest changes come from.
	ServerGC *GC `json:"serverGc,omitempty"`
	// Storm is the rest of a storm run; there the window is the storm.
	Storm *Storm `json:"storm,omitempty"`
}

// GC is garbage collection over the measured window, summed over the
// instances.
type GC struct {
	Collections uint64  `json:"collections"`
	CPUSeconds  float64 `json:"cpuSeconds"`
}

// CPU is the server's CPU use over the measured window: the process's
// own time from /proc/PID/stat and, when the server is pinned to cores of
// its own, how busy those cores were, softirq included. The second is the
// fairer measure of a core's worth of deliveries.
type CPU struct {
	Seconds                float64 `json:"seconds"`
	Cores                  float64 `json:"cores"`
	DeliveriesPerCPUSecond float64 `json:"deliveriesPerCpuSecond"`
	PinnedTo               []int   `json:"pinnedTo,omitempty"`
	PinnedBusy             float64 `json:"pinnedBusy,omitempty"`
	DeliveriesPerBusyCore  float64 `json:"deliveriesPerBusyCoreSecond,omitempty"`
}

// Memory is the server's resident memory around connecting idle screens.
type Memory struct {
	Source           string  `json:"source"`
	BeforeKiB        uint64  `json:"beforeKiB"`
	AfterKiB         uint64  `json:"afterKiB"`
	PerConnectionKiB float64 `json:"perConnectionKiB"`
}

// Storm is what a storm run measured beside the report's Ack, which is the
// facilitator's ops sent while the room joined.
type Storm struct {
	// QuietAck is the facilitator's ops in the same room before anyone
	// joined, over the same span.
	QuietAck measure.Latency `json:"quietAck"`
	// Reconnects is how often one participant dropped its socket and
	// came back (with its token and last seq, as the web app does) after
	// the storm, ChurnSeconds over how long; ChurnBytes is what every other
	// screen was sent meanwhile, a second: the mean over them and the
	// most any one was sent. The facilitator is quiet then, so it is
	// presence.
	Reconnects    int     `json:"reconnects"`
	ChurnSeconds  float64 `json:"churnSeconds"`
	ChurnBytes    float64 `json:"churnBytesPerScreenSecond"`
	ChurnBytesMax float64 `json:"churnBytesMaxScreenSecond"`
}

// WriteTable prints the report for a person.
func (r *Report) WriteTable(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{name}, args...)...)
	}
	row("scenario", "%s: %s", r.Scenario, r.About)
	row("targets", "%s", strings.Join(r.Targets, ", "))
	row("boards", "%d × %s participants", r.Boards, count(uint64(r.PerBoard)))
	row("connected", "%s participants (and a facilitator per board but in idle) in %.1f s%s", count(uint64(r.Connected)), r.ConnectSeconds, failures(r.ConnectFailures, r.ConnectError))
	row("measured", "%.1f s", r.Seconds)
	if r.Memory == nil {
		switch {
		case r.Rate > 0:
			row("ops", "%s sent (%.1f/s, asked %g/s), %s acknowledged, %s skipped", count(r.OpsSent), r.OpsPerSecond, r.Rate, count(r.OpsAcked), count(r.Skipped))
		default:
			row("ops", "%s sent (%.1f/s) by %d writers per board, window %d, %s acknowledged", count(r.OpsSent), r.OpsPerSecond, r.Writers, r.Window, count(r.OpsAcked))
		}
		row("deliveries", "%s changes, %s/s", count(r.Deliveries), count(uint64(r.DeliveriesPerSecond)))
		row("ephemeral", "%s drag positions sent, %s delivered", count(r.EphemeralSent), count(r.EphemeralDelivered))
		row("op to screen", "%s", latency(r.OpToScreen))
		row("  read here", "%s", latency(r.OpToRead))
		row("acknowledgement", "%s", latency(r.Ack))
		if s := r.Storm; s != nil {
			row("  in a quiet room", "%s", latency(s.QuietAck))
			row("churn", "%d reconnects in %.1f s cost each other screen %.0f B/s (at most %.0f)", s.Reconnects, s.ChurnSeconds, s.ChurnBytes, s.ChurnBytesMax)
		}
		row("unmatched", "%s changes; %d screens unfinished", count(r.Unmatched), r.Unfinished)
		row("refused", "%s", byCode(r.Refused))
	}
	row("dropped", "%s", byCode(r.Dropped))
	if r.Reconnects > 0 {
		row("reconnects", "%s, %s ops sent again; back in sync %s", count(r.Reconnects), count(r.Resent), latency(r.Resync))
	} else {
		row("reconnects", "none")
	}
	if c := r.ServerCPU; c != nil {
		row("server cpu", "%.2f cores (%.1f s), %s deliveries per CPU second", c.Cores, c.Seconds, count(uint64(c.DeliveriesPerCPUSecond)))
		if c.PinnedBusy > 0 {
			row("server cores", "cpu %v %.0f%% busy (softirq included), %s deliveries per busy core second", c.PinnedTo, 100*c.PinnedBusy, count(uint64(c.DeliveriesPerBusyCore)))
		}
	}
	if r.LoadBusy > 0 {
		row("load cpu", "%.2f cores; its own cores %.0f%% busy (softirq included)", r.LoadCores, 100*r.LoadBusy)
	} else {
		row("load cpu", "%.2f cores", r.LoadCores)
	}
	if g := r.ServerGC; g != nil {
		row("server gc", "%d collections, %.2f s of CPU (the runtime's estimate)", g.Collections, g.CPUSeconds)
	}
	if m := r.Memory; m != nil {
		row("server memory", "%s KiB before, %s KiB after: %.1f KiB per connection (%s)", count(m.BeforeKiB), count(m.AfterKiB), m.PerConnectionKiB, m.Source)
	}
	return tw.Flush()
}

func latency(l measure.Latency) string {
	if l.Samples == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f ms  (mean %.1f, %s samples)",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean, count(l.Samples))
}

func byCode[N int | uint64](m map[string]N) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %s", code, count(uint64(m[code]))))
	}
	return strings.Join(parts, ", ")
}

func failures(m map[string]int, first string) string {
	if len(m) == 0 {
		return ""
	}
	return fmt.Sprintf("; failed: %s (first: %s)", byCode(m), first)
}

// count writes n with thousands separators.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
