// Command plenary-load simulates workshops against Plenary instances and
// measures what the design holds the server to: op-to-screen latency,
// deliveries a second, refusals, dropped connections and server memory
// per connection.
//
// It creates boards, joins participants of both roles, forms breakout
// groups and plays the phases with notes typed, drags streamed and dots
// voted. It only loads loopback addresses unless told -allow-remote.
//
// Op to screen runs from sending an op to the kernel's receive stamp on
// each other screen's socket: this process reads thousands of screens in
// turn on one core, where real screens read in parallel. The time it read
// each change is reported beside it.
//
//	plenary-load -scenario plenary -participants 2000 -rate 20
//	plenary-load -scenario many -boards 250 -participants 40 -rate 1000
//	plenary-load -scenario idle -boards 100 -participants 100 -pid $(pgrep -n plenary)
//	plenary-load -scenario saturate -participants 1000 -writers 64 -window 8
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/plenary/plenary/cmd/plenary-load/internal/report"
	"github.com/plenary/plenary/cmd/plenary-load/internal/workshop"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == facilitatorCommand {
		if err := facilitatorMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "plenary-load facilitator:", err)
			os.Exit(1)
		}
		return
	}
	cfg, jsonPath := parseFlags(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plenary-load:", err)
		os.Exit(1)
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "plenary-load:", err)
		os.Exit(1)
	}
	if jsonPath != "" {
		if err := writeJSON(jsonPath, rep); err != nil {
			fmt.Fprintln(os.Stderr, "plenary-load:", err)
			os.Exit(1)
		}
	}
}

func parseFlags(args []string) (Config, string) {
	var cfg Config
	var urls, jsonPath string
	fs := flag.NewFlagSet("plenary-load", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: plenary-load [flags]\n\nScenarios:\n")
		for _, name := range []string{"plenary", "many", "idle", "saturate", "storm"} {
			fmt.Fprintf(fs.Output(), "  %-9s %s\n", name, scenarios[name])
		}
		fmt.Fprintf(fs.Output(), "\nA flag left at 0 takes the scenario's default.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Scenario, "scenario", "plenary", "plenary, many, idle, saturate or storm")
	fs.StringVar(&urls, "url", "http://127.0.0.1:8080", "instances, comma-separated; boards and connections go round robin (several instances must share boards, as on Redis)")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow targets that are not loopback addresses")
	fs.IntVar(&cfg.Boards, "boards", 0, "boards (plenary 1, many 250, idle 100, saturate 1)")
	fs.IntVar(&cfg.Participants, "participants", 0, "participants per board (plenary 2000, many 40, idle 100, saturate 1000, storm 5000)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "ops a second over all boards (plenary 20, many 1000; storm: the facilitator's, 10)")
	fs.DurationVar(&cfg.Warmup, "warmup", 5*time.Second, "activity before measuring")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measured time")
	fs.Float64Var(&cfg.ConnectRate, "connect-rate", 500, "connections opened a second")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 0, "bound on connecting everyone (0: at the connect rate, plus 30s)")
	fs.IntVar(&cfg.DragFrames, "drag-frames", 10, "positions a drag streams, 20 a second, before its note.move (0: none)")
	fs.IntVar(&cfg.Writers, "writers", 0, "saturate: writers per board (64)")
	fs.IntVar(&cfg.Window, "window", 0, fmt.Sprintf("saturate: ops each writer keeps in flight, at most %d (8)", workshop.MaxWindow))
	fs.Float64Var(&cfg.OpLimit, "op-limit", 30, "saturate: ops a second per writer, the server's per-connection limit")
	fs.IntVar(&cfg.PID, "pid", 0, "local server process: memory and CPU are read from /proc (0: memory from /metrics)")
	fs.StringVar(&jsonPath, "json", "", "also write the report as JSON to this file")
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	_ = fs.Parse(args) // ExitOnError
	for u := range strings.SplitSeq(urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			cfg.URLs = append(cfg.URLs, u)
		}
	}
	if !*quiet {
		cfg.Progress = os.Stderr
	}
	return cfg, jsonPath
}

func writeJSON(path string, rep report.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
