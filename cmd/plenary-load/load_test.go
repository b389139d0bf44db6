package main

import (
	"context"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/plenary/plenary/cmd/plenary-load/internal/report"
	"github.com/plenary/plenary/internal/plenarytest"
)

// startServer runs a real hub over the embedded store in this process.
func startServer(t *testing.T) string {
	t.Helper()
	return plenarytest.Start(t).URL
}

// TestScenarios runs every scenario small against a real server, so the
// tool keeps working as the protocol moves. It times nothing: it checks
// that each scenario measures something and that the server refused and
// dropped nothing.
func TestScenarios(t *testing.T) {
	for name, cfg := range map[string]Config{
		"plenary":  {Scenario: "plenary", Participants: 50, Rate: 30, DragFrames: 4},
		"many":     {Scenario: "many", Boards: 4, Participants: 12, Rate: 60, DragFrames: 4},
		"saturate": {Scenario: "saturate", Participants: 30, Writers: 4, Window: 4},
		"idle":     {Scenario: "idle", Boards: 2, Participants: 25, PID: os.Getpid()},
		// Without a PID, memory comes from the server's /metrics, as it
		// must for an instance on another machine.
		"idle-metrics": {Scenario: "idle", Boards: 2, Participants: 25},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.URLs = []string{startServer(t)}
			cfg.Warmup, cfg.Duration = 500*time.Millisecond, 2*time.Second
			cfg.ConnectRate = 1000
			if cfg.Scenario == "idle" {
				// The server shares this process with the other
				// subtests: what they freed is handed back to the OS
				// first, not during the run, where it would make the
				// connections look free.
				debug.FreeOSMemory()
			}
			rep := runLogged(t, cfg)
			d := cfg.withDefaults()
			wantScreens := d.Boards * d.Participants
			if rep.Connected != wantScreens || len(rep.ConnectFailures) > 0 {
				t.Errorf("connected %d of %d participants; failures %v (%s)", rep.Connected, wantScreens, rep.ConnectFailures, rep.ConnectError)
			}
			if len(rep.Dropped) > 0 {
				t.Errorf("dropped connections: %v", rep.Dropped)
			}
			// The server here is this process, whose collections over the
			// window the report counts from /metrics.
			if rep.ServerGC == nil {
				t.Error("no garbage collection figures from the server's /metrics")
			}
			if cfg.Scenario == "idle" {
				// A sanity bound, not a figure: here the server shares
				// this process with the screens, whose joins (three
				// requests each, two gzip streams) leave their garbage in
				// the same resident memory, which -race multiplies.
				if rep.Memory == nil || rep.Memory.PerConnectionKiB <= 0 || rep.Memory.PerConnectionKiB > 4096 {
					t.Errorf("idle measured %+v: want between 0 and 4 MiB per connection", rep.Memory)
				}
				if want := "/metrics process_resident_memory_bytes"; cfg.PID == 0 && (rep.Memory == nil || rep.Memory.Source != want) {
					t.Errorf("memory read from %+v, want %s", rep.Memory, want)
				}
				return
			}
			if rep.OpsSent == 0 || rep.OpsAcked == 0 || rep.Deliveries == 0 {
				t.Errorf("sent %d, acknowledged %d, delivered %d: want all above 0", rep.OpsSent, rep.OpsAcked, rep.Deliveries)
			}
			if rep.OpToScreen.Samples == 0 || rep.Ack.Samples == 0 {
				t.Errorf("no latency samples: op to screen %+v, ack %+v", rep.OpToScreen, rep.Ack)
			}
			if s := rep.OpToScreen; s.P50 > s.P99 || s.P99 > s.Max {
				t.Errorf("percentiles out of order: %+v", s)
			}
			// Every change is stamped on arrival, and read later.
			if a, r := rep.OpToScreen, rep.OpToRead; a.Samples != r.Samples || a.Mean >= r.Mean {
				t.Errorf("arrival %+v against read %+v: want as many samples, arriving earlier", a, r)
			}
			if len(rep.Refused) > 0 {
				t.Errorf("refused: %v", rep.Refused)
			}
			if rep.Unfinished > 0 {
				t.Errorf("%d screens never caught up", rep.Unfinished)
			}
		})
	}
}

// runLogged runs cfg and logs its report's table.
func runLogged(t *testing.T, cfg Config) report.Report {
	t.Helper()
	rep, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())
	return rep
}

// TestStorm runs the storm small: the facilitator's ops are timed in the
// quiet room and while everyone joins, and the churn is counted.
func TestStorm(t *testing.T) {
	cfg := Config{Scenario: "storm", URLs: []string{startServer(t)}, Participants: 40, ConnectRate: 200,
		Warmup: 200 * time.Millisecond, Duration: time.Second}
	rep := runLogged(t, cfg)
	s := rep.Storm
	switch {
	case rep.Connected != 40 || len(rep.ConnectFailures) > 0:
		t.Errorf("connected %d of 40; failures %v (%s)", rep.Connected, rep.ConnectFailures, rep.ConnectError)
	case len(rep.Dropped) > 0 || len(rep.Refused) > 0:
		t.Errorf("dropped %v, refused %v", rep.Dropped, rep.Refused)
	case s == nil || rep.Ack.Samples == 0 || s.QuietAck.Samples == 0:
		t.Errorf("no facilitator's ops timed: storm %+v, quiet %+v", rep.Ack, s)
	case s.Reconnects == 0 || rep.Reconnects < uint64(s.Reconnects) || rep.Resync.Samples < uint64(s.Reconnects):
		t.Errorf("churn not measured: storm %+v, reconnects %d, back in sync %+v", s, rep.Reconnects, rep.Resync)
	}
}
