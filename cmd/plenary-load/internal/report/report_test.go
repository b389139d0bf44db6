package report

import (
	"strings"
	"testing"

	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
)

// TestWriteTable prints reports of every shape: a plenary and an idle run
// as .ci/load printed them, a saturate run's ops by writers, and a storm
// with the rows only a storm, failures, refusals, drops and reconnects
// add.
func TestWriteTable(t *testing.T) {
	for name, c := range map[string]struct {
		rep  Report
		want string
	}{
		"plenary": {
			Report{
				Scenario: "plenary", About: "one board, many participants, ops at a steady rate: op-to-screen latency",
				Targets: []string{"http://127.0.0.1:18080"}, Boards: 1, PerBoard: 300, Rate: 20,
				Connected: 300, ConnectSeconds: 0.6, Seconds: 5.0,
				OpsSent: 99, OpsPerSecond: 19.7, OpsAcked: 100, Skipped: 3,
				Deliveries: 30100, DeliveriesPerSecond: 6003.2,
				OpToScreen: measure.Latency{P50: 3.6, P90: 5.3, P99: 9.2, P999: 12.0, Max: 12.3, Mean: 3.7, Samples: 29700},
				OpToRead:   measure.Latency{P50: 3.9, P90: 5.9, P99: 10.4, P999: 12.9, Max: 13.2, Mean: 4.0, Samples: 29700},
				Ack:        measure.Latency{P50: 1.5, P90: 2.3, P99: 9.1, P999: 9.1, Max: 9.1, Mean: 1.7, Samples: 99},
				ServerCPU:  &CPU{Cores: 0.11, Seconds: 0.5, DeliveriesPerCPUSecond: 54727.9, PinnedTo: []int{0}, PinnedBusy: 0.12, DeliveriesPerBusyCore: 50027},
				LoadCores:  0.10, LoadBusy: 0.11,
				ServerGC: &GC{Collections: 1, CPUSeconds: 0.001},
			},
			`scenario         plenary: one board, many participants, ops at a steady rate: op-to-screen latency
targets          http://127.0.0.1:18080
boards           1 × 300 participants
connected        300 participants (and a facilitator per board but in idle) in 0.6 s
measured         5.0 s
ops              99 sent (19.7/s, asked 20/s), 100 acknowledged, 3 skipped
deliveries       30,100 changes, 6,003/s
ephemeral        0 drag positions sent, 0 delivered
op to screen     p50 3.6  p90 5.3  p99 9.2  p99.9 12.0  max 12.3 ms  (mean 3.7, 29,700 samples)
  read here      p50 3.9  p90 5.9  p99 10.4  p99.9 12.9  max 13.2 ms  (mean 4.0, 29,700 samples)
acknowledgement  p50 1.5  p90 2.3  p99 9.1  p99.9 9.1  max 9.1 ms  (mean 1.7, 99 samples)
unmatched        0 changes; 0 screens unfinished
refused          none
dropped          none
reconnects       none
server cpu       0.11 cores (0.5 s), 54,727 deliveries per CPU second
server cores     cpu [0] 12% busy (softirq included), 50,027 deliveries per busy core second
load cpu         0.10 cores; its own cores 11% busy (softirq included)
server gc        1 collections, 0.00 s of CPU (the runtime's estimate)
`,
		},
		"storm": {
			Report{
				Scenario: "storm", About: "the facilitator's ops...", Targets: []string{"http://127.0.0.1:8080", "http://127.0.0.1:8081"},
				Boards: 1, PerBoard: 5000, Rate: 10, Connected: 4998, ConnectSeconds: 10.04,
				ConnectFailures: map[string]int{"timeout": 1, "close 1013": 1}, ConnectError: "dial: timeout",
				Seconds: 10, OpsSent: 100, OpsPerSecond: 10, OpsAcked: 100,
				Ack:        measure.Latency{P50: 2, P90: 3, P99: 4, P999: 5, Max: 5, Mean: 2.5, Samples: 100},
				Refused:    map[string]uint64{"rate_limited": 2, "forbidden": 1234},
				Dropped:    map[string]uint64{"4000": 3},
				Reconnects: 101, Resent: 0,
				Resync:    measure.Latency{P50: 1, P90: 2, P99: 3, P999: 3, Max: 3, Mean: 1.2, Samples: 101},
				LoadCores: 0.9,
				Storm: &Storm{
					QuietAck:   measure.Latency{P50: 1, P90: 1, P99: 2, P999: 2, Max: 2, Mean: 1, Samples: 80},
					Reconnects: 100, ChurnSeconds: 10.01, ChurnBytes: 1234.4, ChurnBytesMax: 2000,
				},
			},
			`scenario           storm: the facilitator's ops...
targets            http://127.0.0.1:8080, http://127.0.0.1:8081
boards             1 × 5,000 participants
connected          4,998 participants (and a facilitator per board but in idle) in 10.0 s; failed: close 1013 1, timeout 1 (first: dial: timeout)
measured           10.0 s
ops                100 sent (10.0/s, asked 10/s), 100 acknowledged, 0 skipped
deliveries         0 changes, 0/s
ephemeral          0 drag positions sent, 0 delivered
op to screen       no samples
  read here        no samples
acknowledgement    p50 2.0  p90 3.0  p99 4.0  p99.9 5.0  max 5.0 ms  (mean 2.5, 100 samples)
  in a quiet room  p50 1.0  p90 1.0  p99 2.0  p99.9 2.0  max 2.0 ms  (mean 1.0, 80 samples)
churn              100 reconnects in 10.0 s cost each other screen 1234 B/s (at most 2000)
unmatched          0 changes; 0 screens unfinished
refused            forbidden 1,234, rate_limited 2
dropped            4000 3
reconnects         101, 0 ops sent again; back in sync p50 1.0  p90 2.0  p99 3.0  p99.9 3.0  max 3.0 ms  (mean 1.2, 101 samples)
load cpu           0.90 cores
`,
		},
		"saturate": {
			Report{
				Scenario: "saturate", About: "writers send as fast as acknowledgements return: deliveries a second",
				Targets: []string{"http://127.0.0.1:8080"}, Boards: 1, PerBoard: 1000, Writers: 64, Window: 8,
				Connected: 1000, ConnectSeconds: 2.04, Seconds: 20,
				OpsSent: 38400, OpsPerSecond: 1920, OpsAcked: 38390,
				Deliveries: 38400000, DeliveriesPerSecond: 1920000,
				OpToScreen: measure.Latency{P50: 20, P90: 40, P99: 80, P999: 100, Max: 120, Mean: 25, Samples: 38361600},
				OpToRead:   measure.Latency{P50: 30, P90: 50, P99: 90, P999: 110, Max: 130, Mean: 35, Samples: 38361600},
				Ack:        measure.Latency{P50: 5, P90: 10, P99: 20, P999: 30, Max: 40, Mean: 6, Samples: 38400},
				LoadCores:  0.98,
			},
			`scenario         saturate: writers send as fast as acknowledgements return: deliveries a second
targets          http://127.0.0.1:8080
boards           1 × 1,000 participants
connected        1,000 participants (and a facilitator per board but in idle) in 2.0 s
measured         20.0 s
ops              38,400 sent (1920.0/s) by 64 writers per board, window 8, 38,390 acknowledged
deliveries       38,400,000 changes, 1,920,000/s
ephemeral        0 drag positions sent, 0 delivered
op to screen     p50 20.0  p90 40.0  p99 80.0  p99.9 100.0  max 120.0 ms  (mean 25.0, 38,361,600 samples)
  read here      p50 30.0  p90 50.0  p99 90.0  p99.9 110.0  max 130.0 ms  (mean 35.0, 38,361,600 samples)
acknowledgement  p50 5.0  p90 10.0  p99 20.0  p99.9 30.0  max 40.0 ms  (mean 6.0, 38,400 samples)
unmatched        0 changes; 0 screens unfinished
refused          none
dropped          none
reconnects       none
load cpu         0.98 cores
`,
		},
		"idle": {
			Report{
				Scenario: "idle", About: "participants connected, nothing sent: server memory per connection",
				Targets: []string{"http://127.0.0.1:18080"}, Boards: 100, PerBoard: 100,
				Connected: 10000, ConnectSeconds: 20.0, Seconds: 10.0,
				ServerCPU: &CPU{Cores: 0.11, Seconds: 1.1, PinnedTo: []int{0}, PinnedBusy: 0.10},
				LoadCores: 0.04, LoadBusy: 0.10,
				ServerGC: &GC{},
				Memory:   &Memory{Source: "/proc/9846/status VmRSS", BeforeKiB: 20180, AfterKiB: 340836, PerConnectionKiB: 32.06},
			},
			`scenario       idle: participants connected, nothing sent: server memory per connection
targets        http://127.0.0.1:18080
boards         100 × 100 participants
connected      10,000 participants (and a facilitator per board but in idle) in 20.0 s
measured       10.0 s
dropped        none
reconnects     none
server cpu     0.11 cores (1.1 s), 0 deliveries per CPU second
server cores   cpu [0] 10% busy (softirq included), 0 deliveries per busy core second
load cpu       0.04 cores; its own cores 10% busy (softirq included)
server gc      0 collections, 0.00 s of CPU (the runtime's estimate)
server memory  20,180 KiB before, 340,836 KiB after: 32.1 KiB per connection (/proc/9846/status VmRSS)
`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			if err := c.rep.WriteTable(&out); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != c.want {
				t.Errorf("printed\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
