package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/measure"
	"github.com/plenary/plenary/cmd/plenary-load/internal/report"
	"github.com/plenary/plenary/cmd/plenary-load/internal/usage"
	"github.com/plenary/plenary/cmd/plenary-load/internal/workshop"
	"github.com/plenary/plenary/hub/client"
)

// run plays one scenario against the configured instances and reports
// what it measured. Everything it opens it closes before returning.
func run(ctx context.Context, cfg Config) (report.Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return report.Report{}, err
	}
	if err := usage.EnsureFileLimit(cfg.connections()); err != nil {
		return report.Report{}, err
	}
	l := newLoad(cfg)
	defer l.httpc.CloseIdleConnections()
	l.stage.Store("boards")
	defer l.progress()()

	rep := report.Report{Scenario: cfg.Scenario, About: scenarios[cfg.Scenario], Targets: cfg.URLs, Boards: cfg.Boards, PerBoard: cfg.Participants}
	err := l.createBoards(ctx)
	if err == nil {
		switch cfg.Scenario {
		case "idle":
			err = l.idle(ctx, &rep)
		case "saturate":
			err = l.saturate(ctx, &rep)
		case "storm":
			err = l.storm(ctx, &rep)
		default:
			err = l.openLoop(ctx, &rep)
		}
	}
	l.closeAll()
	if err != nil {
		return report.Report{}, err
	}
	l.finish(&rep)
	return rep, nil
}

// newHTTPClient is the run's client for the API and websocket handshakes,
// with a bound on each request (a handshake's bound ends once it is
// upgraded).
func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func newLoad(cfg Config) *load {
	return &load{cfg: cfg, m: measure.NewMeter(), httpc: newHTTPClient(), screens: &http.Client{Timeout: 30 * time.Second, Transport: measure.ScreenTransport()}}
}

// load is one run in progress.
type load struct {
	cfg   Config
	m     *measure.Meter
	httpc *http.Client
	// screens dials the websockets, each on a connection that stamps
	// arrivals.
	screens *http.Client
	boards  []*workshop.Board
	// stage names what the run is doing, for the progress line.
	stage atomic.Value

	connected   int
	connectTime time.Duration
	failures    map[string]int
	firstError  string

	window measure.Tally
	// server and own are the CPU seconds the server and this process
	// used over the window; cores are the server's own CPUs, and
	// serverBusy and ownBusy how busy the server's and this process's
	// own CPUs were, in cores.
	server, own         float64
	serverKnown         bool
	cores               []int
	serverBusy, ownBusy float64
	gc                  *report.GC // nil when the servers' /metrics did not tell
	unfinished          int        // screens that had not caught up when the drain gave up
}

func (l *load) createBoards(ctx context.Context) error {
	l.boards = make([]*workshop.Board, l.cfg.Boards)
	for i := range l.boards {
		w, err := workshop.Create(ctx, l.httpc, l.cfg.URLs[i%len(l.cfg.URLs)], fmt.Sprintf("Load %s %d", l.cfg.Scenario, i+1), l.m, workshop.RingFor(l.cfg.Boards))
		if err != nil {
			return err
		}
		l.boards[i] = w
	}
	return nil
}

// maxDialing bounds the handshakes in progress, so a server that slows
// down is not also buried under a pile of waiting dials.
const maxDialing = 256

// connect opens the screens at cfg.ConnectRate a second, facilitators
// first and then participants, boards in turn, alternating roles. It
// returns when all have the board or the connect time is up; screens
// that failed are left out and counted by reason.
func (l *load) connect(ctx context.Context, facilitators bool, window int) error {
	l.stage.Store("connect")
	ctx, cancel := context.WithTimeout(ctx, l.cfg.ConnectTimeout)
	defer cancel()
	type plan struct {
		w    *workshop.Board
		h    client.Hello
		into **workshop.Screen
	}
	var plans []plan
	for _, w := range l.boards {
		w.People = make([]*workshop.Screen, l.cfg.Participants)
		if facilitators {
			plans = append(plans, plan{w, client.Hello{Board: w.ID, Token: w.Token}, &w.Facilitator})
		}
	}
	for i := range l.cfg.Participants {
		role := board.CivilServant
		if i%2 == 1 {
			role = board.CivilSociety
		}
		for _, w := range l.boards {
			// Each joins as the web app does: over HTTP, under a join id
			// of its own.
			join := &client.Join{Name: "Participant " + strconv.Itoa(i+1), Role: role}
			plans = append(plans, plan{w, client.Hello{Board: w.ID, Join: join, JoinID: "load-" + strconv.Itoa(i+1)}, &w.People[i]})
		}
	}

	l.failures = map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	dialing := make(chan struct{}, maxDialing)
	start := time.Now()
	every := time.Duration(float64(time.Second) / l.cfg.ConnectRate)
plans:
	for k, p := range plans {
		if !sleepUntil(ctx, start.Add(time.Duration(k)*every)) {
			break
		}
		select {
		case dialing <- struct{}{}:
		case <-ctx.Done():
			break plans
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-dialing }()
			c, err := workshop.Dial(ctx, l.screens, l.cfg.URLs[k%len(l.cfg.URLs)], p.w, p.h, window)
			if err != nil {
				mu.Lock()
				l.failures[failure(err)]++
				if l.firstError == "" {
					l.firstError = err.Error()
				}
				mu.Unlock()
				return
			}
			*p.into = c
		}()
	}
	wg.Wait()
	l.connectTime = time.Since(start)
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err // interrupted, not just slow
	}

	for _, w := range l.boards {
		if facilitators && w.Facilitator == nil {
			return fmt.Errorf("board %s: the facilitator could not connect: %s", w.ID, l.firstError)
		}
		joined := w.People[:0]
		for _, c := range w.People {
			if c != nil {
				joined = append(joined, c)
			}
		}
		if w.People = joined; len(joined) < 2 {
			return fmt.Errorf("board %s: %d participants connected (first error: %s)", w.ID, len(joined), l.firstError)
		}
		l.connected += len(joined)
	}
	return nil
}

// failure names why a screen could not connect.
func failure(err error) string {
	var refusal *board.Error
	switch code := websocket.CloseStatus(err); {
	case code != -1:
		return "close " + strconv.Itoa(int(code))
	case errors.As(err, &refusal):
		return refusal.Code
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "error"
}

// formGroups forms every board's breakout groups, boards in parallel.
func (l *load) formGroups(ctx context.Context) error {
	l.stage.Store("groups")
	errs := make([]error, len(l.boards))
	var wg sync.WaitGroup
	for i, w := range l.boards {
		wg.Go(func() { errs[i] = w.FormGroups(ctx, l.httpc) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// openLoop is plenary and many: the pacer plays the workshops at the
// configured rate whether or not the server keeps up, as a room of people
// would.
func (l *load) openLoop(ctx context.Context, rep *report.Report) error {
	if err := l.connect(ctx, true, workshop.MaxWindow); err != nil {
		return err
	}
	if err := l.formGroups(ctx); err != nil {
		return err
	}
	plan := workshop.Plan{Rate: l.cfg.Rate, Warmup: l.cfg.Warmup, Duration: l.cfg.Duration, DragFrames: l.cfg.DragFrames}
	playing, stop := context.WithCancel(ctx)
	played := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(played)
		workshop.Play(playing, l.boards, l.m, plan, start)
	}()
	l.measure(ctx, start)
	stop()
	<-played
	l.drain(ctx)
	rep.Rate = l.cfg.Rate
	return nil
}

// saturate is a closed loop: on each board, Writers participants each keep
// Window note.moves in flight, sending the next as soon as one is
// acknowledged (never above OpLimit a second), so the server runs flat out
// and the figure is how many changes it delivers a second.
//
// A writer's acknowledgement says nothing of the other screens, which the
// server may serve later, so the writers of a board also hold back while
// its slowest screen is more than maxLag changes behind: the run measures
// what the server delivers to everyone, not how fast it fills the send
// queues of the slow until it must close them (4000).
func (l *load) saturate(ctx context.Context, rep *report.Report) error {
	if err := l.connect(ctx, true, l.cfg.Window); err != nil {
		return err
	}
	if err := l.formGroups(ctx); err != nil {
		return err
	}
	l.stage.Store("notes")
	var writers []*workshop.Screen
	// held is set, by board, while the board's writers wait for its
	// slowest screen.
	held := make([]atomic.Bool, len(l.boards))
	heldBy := map[*workshop.Screen]*atomic.Bool{}
	for i, w := range l.boards {
		for _, c := range w.People[:min(l.cfg.Writers, len(w.People))] {
			writers = append(writers, c)
			heldBy[c] = &held[i]
		}
	}
	notes, err := l.writeNotes(ctx, writers)
	if err != nil {
		return err
	}
	writing, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { l.holdBack(writing, held) })
	for i, c := range writers {
		wg.Go(func() { l.write(writing, c, notes[c], heldBy[c], uint64(i)) })
	}
	l.measure(ctx, time.Now())
	stop()
	wg.Wait()
	l.drain(ctx)
	rep.Writers, rep.Window = l.cfg.Writers, l.cfg.Window
	return nil
}

// writeNotes has each writer add the note it will move, and returns them.
func (l *load) writeNotes(ctx context.Context, writers []*workshop.Screen) (map[*workshop.Screen]string, error) {
	for _, c := range writers {
		if !c.Take(ctx) {
			return nil, fmt.Errorf("writer %s: %w", c.You(), ctx.Err())
		}
		x, y := 0.5, 0.5
		if err := c.Send(&board.Op{Kind: board.NoteAdd, Chart: c.Group(), Text: "Moving this one around", X: &x, Y: &y}); err != nil {
			return nil, fmt.Errorf("writer %s: %w", c.You(), err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		notes := map[*workshop.Screen]string{}
		for _, w := range l.boards {
			for _, n := range w.Notes() {
				notes[n.Author] = n.ID
			}
		}
		if len(notes) == len(writers) {
			return notes, nil
		}
		if time.Now().After(deadline) || !sleepUntil(ctx, time.Now().Add(20*time.Millisecond)) {
			return nil, fmt.Errorf("only %d of %d writers' notes were acknowledged (refused: %v)", len(notes), len(writers), l.m.Tally().Refused)
		}
	}
}

// maxLag is how far behind, in changes, a board's slowest screen may fall
// before its writers wait: a quarter of the server's send queue.
const maxLag = 256

// holdBack keeps each board's held flag: set while its slowest screen lags
// more than maxLag changes.
func (l *load) holdBack(ctx context.Context, held []atomic.Bool) {
	for sleepUntil(ctx, time.Now().Add(2*time.Millisecond)) {
		for i, w := range l.boards {
			held[i].Store(w.Lag() > maxLag)
		}
	}
}

// unheld waits while held is set.
func unheld(ctx context.Context, held *atomic.Bool) bool {
	for held.Load() {
		if !sleepUntil(ctx, time.Now().Add(time.Millisecond)) {
			return false
		}
	}
	return true
}

// write is one saturating writer, held back while held is set.
func (l *load) write(ctx context.Context, c *workshop.Screen, note string, held *atomic.Bool, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	every := time.Duration(float64(time.Second) / l.cfg.OpLimit)
	next := time.Now()
	for sleepUntil(ctx, next) && unheld(ctx, held) && c.Take(ctx) {
		// Spaced at most OpLimit a second; time lost waiting for
		// acknowledgements is not made up in a burst.
		next = next.Add(every)
		if now := time.Now(); next.Before(now) {
			next = now
		}
		x, y := rng.Float64(), rng.Float64()
		if c.Send(&board.Op{Kind: board.NoteMove, Note: note, X: &x, Y: &y}) != nil {
			return
		}
	}
}

// idle connects participants who send nothing and reads the server's
// memory before and after: what a connection costs it.
func (l *load) idle(ctx context.Context, rep *report.Report) error {
	before, source, err := usage.Memory(ctx, l.httpc, l.cfg.PID, l.cfg.URLs)
	if err != nil {
		return err
	}
	if err := l.connect(ctx, false, 1); err != nil {
		return err
	}
	l.measure(ctx, time.Now())
	after, _, err := usage.Memory(ctx, l.httpc, l.cfg.PID, l.cfg.URLs)
	if err != nil {
		return err
	}
	rep.Memory = &report.Memory{
		Source:    source,
		BeforeKiB: before / 1024,
		AfterKiB:  after / 1024,
		// Signed: memory the runtime hands back meanwhile can leave
		// less than before, which a uint64 difference would wrap.
		PerConnectionKiB: (float64(after) - float64(before)) / 1024 / float64(l.connected),
	}
	return nil
}

// closeAll closes every screen at once and waits for their readers.
func (l *load) closeAll() {
	l.m.Stop()
	l.stage.Store("close")
	var wg sync.WaitGroup
	for _, w := range l.boards {
		for _, c := range w.Screens() {
			if c != nil {
				wg.Go(c.Close)
			}
		}
	}
	wg.Wait()
}

// sleepUntil sleeps until t, or reports false if ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
