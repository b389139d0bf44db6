package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/plenary/plenary/cmd/plenary-load/internal/workshop"
)

// Config is one run. Zero fields take the scenario's defaults (see
// withDefaults), so a test sets only what it cares about.
type Config struct {
	// Scenario is plenary, many, idle, saturate or storm.
	Scenario string
	// URLs are the instances; boards and connections go round robin
	// over them.
	URLs []string
	// AllowRemote permits targets that are not loopback addresses.
	AllowRemote bool

	// Boards and Participants (per board) size the room.
	Boards, Participants int
	// Rate is ops a second over all boards (plenary, many).
	Rate float64
	// Warmup runs the activity unmeasured; Duration is measured.
	Warmup, Duration time.Duration
	// ConnectRate paces joins (a second), so the server's accept queue
	// is not flooded; ConnectTimeout bounds the whole connect phase.
	ConnectRate    float64
	ConnectTimeout time.Duration

	// DragFrames is how many positions a drag streams (20 a second)
	// before its note.move; zero sends none.
	DragFrames int
	// Writers, Window and OpLimit shape a saturate run: Writers
	// participants each keep up to Window ops in flight, at most OpLimit
	// a second (the server's own per-connection limit).
	Writers, Window int
	OpLimit         float64

	// PID is a local server process to read memory and CPU time from;
	// zero reads memory from /metrics.
	PID int

	// Progress receives a line a second; nil is silent.
	Progress io.Writer
}

// Scenarios and what each measures.
var scenarios = map[string]string{
	"plenary":  "one board, many participants, ops at a steady rate: op-to-screen latency",
	"many":     "many boards at once, ops at a steady rate in total: op-to-screen latency",
	"idle":     "participants connected, nothing sent: server memory per connection",
	"saturate": "writers send as fast as acknowledgements return: deliveries a second",
	"storm":    "the facilitator's ops in a quiet room and while everyone joins at once; then what one participant reconnecting every 100 ms costs the others",
}

// withDefaults fills zero fields with the scenario's defaults: the figures
// the design holds the server to.
func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	switch c.Scenario {
	case "plenary":
		def(&c.Boards, 1)
		def(&c.Participants, 2000)
		if c.Rate == 0 {
			c.Rate = 20
		}
	case "many":
		def(&c.Boards, 250)
		def(&c.Participants, 40)
		if c.Rate == 0 {
			c.Rate = 1000
		}
	case "idle":
		def(&c.Boards, 100)
		def(&c.Participants, 100)
	case "storm":
		def(&c.Boards, 1)
		def(&c.Participants, 5000)
		if c.Rate == 0 {
			c.Rate = 10
		}
	case "saturate":
		def(&c.Boards, 1)
		def(&c.Participants, 1000)
		def(&c.Writers, 64)
		def(&c.Window, 8)
	}
	if len(c.URLs) == 0 {
		c.URLs = []string{"http://127.0.0.1:8080"}
	}
	c.URLs = slices.Clone(c.URLs)
	for i, u := range c.URLs {
		c.URLs[i] = strings.TrimRight(u, "/")
	}
	if c.Duration == 0 {
		c.Duration = 30 * time.Second
	}
	if c.ConnectRate == 0 {
		c.ConnectRate = 500
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = time.Duration(float64(c.connections())/c.ConnectRate*float64(time.Second)) + 30*time.Second
	}
	if c.OpLimit == 0 {
		c.OpLimit = 30
	}
	return c
}

// connections is how many websockets the run opens: every participant,
// and a facilitator per board except when idle.
func (c Config) connections() int {
	n := c.Boards * c.Participants
	if c.Scenario != "idle" {
		n += c.Boards
	}
	return n
}

func (c Config) validate() error {
	if _, ok := scenarios[c.Scenario]; !ok {
		return fmt.Errorf("unknown scenario %q: plenary, many, idle, saturate or storm", c.Scenario)
	}
	switch {
	case c.Boards < 1 || c.Participants < 2:
		return errors.New("a run needs at least one board of two participants")
	case c.Participants > 5000:
		return errors.New("a board holds at most 5,000 participants")
	case c.Scenario == "storm" && (c.Boards != 1 || c.Rate <= 0):
		return errors.New("a storm is one board and a facilitator who sends ops")
	case c.Scenario == "saturate" && (c.Writers < 1 || c.Writers > c.Participants):
		return fmt.Errorf("saturate needs 1 to %d writers", c.Participants)
	case c.Scenario == "saturate" && (c.Window < 1 || c.Window > workshop.MaxWindow):
		return fmt.Errorf("the window is 1 to %d ops", workshop.MaxWindow)
	case c.Rate < 0 || c.ConnectRate <= 0 || c.OpLimit <= 0 || c.Duration <= 0 || c.Warmup < 0:
		return errors.New("rates and durations must be positive")
	}
	for _, u := range c.URLs {
		if err := checkTarget(u, c.AllowRemote); err != nil {
			return err
		}
	}
	return nil
}

// checkTarget refuses a URL that is not http(s) on a loopback address
// unless remote targets are allowed: a load generator pointed at the
// wrong host is a denial of service. Names other than localhost are not
// resolved, since that alone would send traffic off the machine.
func checkTarget(raw string, allowRemote bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target %q: want http://host:port", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("target %q: give the server's root, not a path", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || strings.EqualFold(host, "localhost") || allowRemote {
		return nil
	}
	return fmt.Errorf("target %q is not a loopback address; pass -allow-remote to load another machine", raw)
}
